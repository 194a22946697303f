"""Slowing down password guessing: login attempts counted per account and address, and per address.

An attempt is counted before its password is checked (cases.guards.throttle: one atomic step in the
database, shared by every console process), so parallel guesses cannot slip past the limit. The
account is counted together with the address: an attacker elsewhere cannot lock its owner out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cases import i18n
from cases.guards import throttle
from huiyin.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    """How many attempts one address may make per account, and in all, within the window."""

    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        """The limits configured by LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW_MINUTES."""
        return cls(per_account=settings.login_attempts_per_account, per_address=settings.login_attempts_per_address,
                   window=timedelta(minutes=settings.login_window_minutes))


class TooManyLogins(Exception):
    """This login attempt must wait; `seconds` until one may be made."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def sentence(self, language: str = i18n.SOURCE_LANGUAGE) -> str:
        """The refusal, politely, in whole minutes, in `language`."""
        minutes = max(1, math.ceil(self.seconds / 60))
        return i18n.translate_plural(language, "Too many login attempts. Please wait %(num)d minute and try again.",
                                     "Too many login attempts. Please wait %(num)d minutes and try again.",
                                     minutes) % {"num": minutes}


def account_key(username: str, address: str) -> str:
    """The counter of one account's attempts from one address (usernames compare as logins do)."""
    return throttle.throttle_key("login", (username or "").strip().lower(), address)


def address_key(address: str) -> str:
    """The counter of every attempt from one address."""
    return throttle.throttle_key("login-address", address)


def count_attempt(session: Session, *, username: str, address: str, limits: LoginLimits, now: datetime) -> None:
    """Count this attempt, or raise TooManyLogins (and, the transaction rolling back, count nothing)."""
    # Always the account's key first, then the address's: one lock order, so parallel attempts cannot deadlock.
    counters = ((account_key(username, address), limits.per_account), (address_key(address), limits.per_address))
    for key, limit in counters:
        wait = throttle.take(session, key=key, limit=limit, window=limits.window, now=now)
        if wait:
            raise TooManyLogins(wait)


def logged_in(session: Session, *, username: str, address: str) -> None:
    """A right password from this address: its owner starts afresh there (the address's count stays)."""
    throttle.forget(session, key=account_key(username, address))
