"""Storage: the database and its sessions, schema migrations (Alembic), secrets kept on disk."""
