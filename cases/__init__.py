"""Huiyin's domain: the case core here (catalog, workflow, models, lifecycle, queries, outbox, messages...),
follow-up, live chat, staff, reporting and storage in sub-packages. Reads no settings; imports no transport."""
