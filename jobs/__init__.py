"""Scheduled jobs: idempotent sweeps over database state, run by `python -m jobs`."""
