"""Test doubles for the external services Huiyin talks to."""
