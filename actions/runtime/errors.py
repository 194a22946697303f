"""One answer when the case system fails an action, with an outage told apart from a bug in the logs.

The resident gets the same apology either way. The database being unreachable is an outage: a
warning without a trace (it says itself what is wrong, and a trace per message would drown the log).
Anything else is a bug: logged at ERROR with its trace, which the test suite fails on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

# The database unreachable, gone away mid-transaction, or its pool exhausted: an outage, not a bug.
OUTAGES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
)

Events = list[dict[str, Any]]
Run = Callable[[Any, CollectingDispatcher, Tracker, dict], Awaitable[Events]]
R = TypeVar("R", bound=Run)


def is_outage(error: BaseException) -> bool:
    """Whether the error says the database is unreachable (rather than that our code is wrong)."""
    return isinstance(error, OUTAGES) or (isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated)


def log_failure(what: str, error: BaseException) -> None:
    """Log a failure of the case system: an outage as a warning without a trace, anything else as a bug."""
    if is_outage(error):
        log.warning("%s: the case database is unavailable (%s)", what, type(error).__name__)
    else:
        log.error("%s: the case system failed", what, exc_info=error)


def apologise(dispatcher: CollectingDispatcher, what: str, error: BaseException) -> None:
    """Log the failure and tell the resident to try again later."""
    # The transaction has rolled back, so nothing was half-done; the slots are untouched.
    log_failure(what, error)
    dispatcher.utter_message(response="utter_service_unavailable")


def apologises(on_failure: Callable[[Tracker], Events] = lambda tracker: []) -> Callable[[R], R]:
    """Decorate an action's `run`: if it raises, withdraw what it said, apologise and return `on_failure(tracker)`."""

    def decorate(run: R) -> R:
        @functools.wraps(run)
        async def run_or_apologise(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: dict) -> Events:
            said = len(dispatcher.messages)
            try:
                return await run(self, dispatcher, tracker, domain)
            except Exception as error:  # noqa: BLE001 - every failure gets the apology; log_failure tells bugs apart
                del dispatcher.messages[said:]  # nothing half-way: only the apology reaches the resident
                apologise(dispatcher, self.name(), error)
                return on_failure(tracker)

        return run_or_apologise  # type: ignore[return-value]  # same signature as `run`, which mypy cannot see

    return decorate
