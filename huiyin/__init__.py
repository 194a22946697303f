"""Plumbing shared by the HTTP adapters (the staff console and the web chat): pure ASGI, no domain."""
