"""Benchmarks that print figures (run with .venvs/app/bin/python -m bench.NAME)."""
