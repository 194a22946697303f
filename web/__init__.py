"""The staff console: a small server-rendered web app over the domain in `cases/`."""
