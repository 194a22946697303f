"""The console fixtures of tests/web, for the area pages' tests."""

from tests.web.conftest import app, console_settings  # noqa: F401  (fixtures)
