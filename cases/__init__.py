"""Huiyin's domain: request catalog, cases, status workflow, outbox. Imports no transport."""
