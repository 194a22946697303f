"""Secrets generated once and kept on disk, owner-only, so every process and every restart gets the same one."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

OWNER_ONLY_DIR, OWNER_ONLY_FILE = 0o700, 0o600
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class SecretFileError(RuntimeError):
    """A kept secret cannot be used as it is (empty or unreadable); the message says what to do."""


def kept_secret(directory: Path, name: str) -> str:
    """The secret `name` kept in `directory`, generated on first use; processes starting together agree on one."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a secret name: {name!r}")
    _owner_only_dir(directory)
    path = directory / name
    if not path.exists():
        _create(path)
    return _read(path)


def _owner_only_dir(directory: Path) -> None:
    # VAR_DIR too, when this makes it: mkdir(parents=True) would give it the default 0755.
    directory.parent.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    directory.mkdir(mode=OWNER_ONLY_DIR, exist_ok=True)
    if directory.stat().st_mode & 0o077:  # made by an older version, or by hand
        directory.chmod(OWNER_ONLY_DIR)


def _create(path: Path) -> None:
    # Written whole to a private temporary file, then hard-linked into place: the link either
    # creates the name or fails because another process got there first, so no process ever reads
    # a half-written secret and all of them end up with the winner's.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won; _read returns its secret
    finally:
        os.unlink(temporary)


def _read(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(OWNER_ONLY_FILE)
    value = path.read_text(encoding="ascii", errors="replace").strip()
    if not value:
        raise SecretFileError(f"{path} is empty: delete it to have a new secret generated")
    return value
