"""Following a case up after filing: escalation of late work, residents chasing it (催办), the satisfaction survey."""
