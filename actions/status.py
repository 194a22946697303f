"""Following requests up: the status of one, the list of open ones, cancelling one."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import find_reference
from actions.conversation import button, language, latest_entities, latest_text
from actions.filing import type_name
from actions.runtime.deps import UsesCaseSystem
from actions.runtime.errors import apologises
from cases import following, lifecycle, queries, workflow
from cases.messages import format_date, status_label
from cases.models import Case
from cases.residents import resident_for_sender
from cases.workflow import Status, TransitionNotAllowed

MAX_LISTED = 20
MAX_CANCEL_BUTTONS = 8
# After a case the resident follows (actions/nearby.py) rather than filed, in their list.
FOLLOWED_MARKS = {"en": " (following)", "zh": "（关注中）"}
# Replies are worked out inside the transaction and sent after it, so a failure sends nothing half-way.
Reply = tuple[str, dict[str, Any]]


def reference_in_message(tracker: Tracker, prefix: str) -> Optional[str]:
    """The case reference the resident gave in their latest message, if any."""
    return find_reference(latest_text(tracker), latest_entities(tracker), prefix)


def case_line(case: Case, timezone: str, lang: str = "en") -> str:
    """One line of the open-requests list."""
    return (f"{case.reference} · {type_name(case.request_type, lang)} · {status_label(case.status, lang)}"
            f" · {format_date(case.due_at, timezone)}")


def status_replies(case: Case, timezone: str, lang: str = "en") -> list[Reply]:
    """The answer about one of the resident's cases: status, due or scheduled date while open, last public note.

    A case merged into another (a duplicate) answers with the case the resident now follows.
    """
    followed = queries.followed_case(case)
    values = dict(reference=case.reference, type_name=type_name(followed.request_type, lang),
                  status=status_label(followed.status, lang), due_date=format_date(followed.due_at, timezone))
    if followed is not case:
        replies = [("utter_case_status_duplicate", {**values, "other": followed.reference})]
    elif case.status == Status.SCHEDULED.value and case.scheduled_for is not None:
        replies = [("utter_case_status_scheduled",
                    {**values, "scheduled_date": format_date(case.scheduled_for, timezone)})]
    else:
        still_open = workflow.is_working(Status(case.status))
        replies = [("utter_case_status_open" if still_open else "utter_case_status_done", values)]
    note = queries.last_public_note(followed)
    if note:
        replies.append(("utter_case_note", {"note": note}))
    return replies


class ActionCheckStatus(UsesCaseSystem, Action):
    """The status of the case named in the message, or the resident's open cases."""

    def name(self) -> str:
        return "action_check_status"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        settings, lang = self.deps.settings, language(tracker)
        reference, timezone = reference_in_message(tracker, settings.reference_prefix), settings.timezone
        with self.deps.database().transaction() as session:
            resident = resident_for_sender(session, tracker.sender_id)
            if reference:
                case = (queries.find_case_for_resident(session, resident=resident, reference=reference)
                        or following.followed_case_by_reference(session, resident=resident, reference=reference))
                # Someone else's reference gets the very same answer as a wrong one.
                replies = (status_replies(case, timezone, lang) if case is not None
                           else [("utter_case_not_found", {"reference": reference})])
            else:
                cases = queries.active_cases_for_resident(session, resident=resident)
                followed = following.followed_cases(session, resident=resident)
                mark = FOLLOWED_MARKS.get(lang, FOLLOWED_MARKS["en"])
                lines = [case_line(case, timezone, lang) + (mark if case in followed else "")
                         for case in [*cases, *followed][:MAX_LISTED]]
                cases += followed
                if len(cases) > MAX_LISTED:
                    lines.append("…")
                replies = ([("utter_active_cases", {"cases": "\n".join(lines)})] if cases
                           else [("utter_no_open_requests", {})])
        for response, values in replies:
            dispatcher.utter_message(response=response, **values)
        return []


class ActionCancelRequest(UsesCaseSystem, Action):
    """Cancel the case named in the message, or offer the cancellable ones as buttons."""

    def name(self) -> str:
        return "action_cancel_request"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        reference, lang = reference_in_message(tracker, self.deps.settings.reference_prefix), language(tracker)
        try:
            with self.deps.database().transaction() as session:
                resident = resident_for_sender(session, tracker.sender_id)
                if reference:
                    case = lifecycle.cancel_by_resident(session, resident=resident, reference=reference,
                                                      timezone=self.deps.settings.timezone,
                                                      quiet_hours=self.deps.quiet_hours())
                    reply: Reply = ("utter_case_cancelled", {"reference": case.reference})
                else:
                    cases = [c for c in queries.active_cases_for_resident(session, resident=resident)
                             if lifecycle.resident_may_cancel(c)]
                    buttons = [button(f"{c.reference} · {type_name(c.request_type, lang)}", "cancel_request",
                                      reference=queries.reference_of(c)) for c in cases[:MAX_CANCEL_BUTTONS]]
                    reply = (("utter_ask_which_to_cancel", {"buttons": buttons}) if buttons
                             else ("utter_nothing_to_cancel", {}))
        # Someone else's reference gets the very same answer as a wrong one.
        except queries.CaseNotFound:
            reply = ("utter_case_not_found", {"reference": reference})
        except TransitionNotAllowed as refused:
            reply = ("utter_cannot_cancel", {"reference": reference, "status": status_label(refused.from_status, lang)})
        response, values = reply
        dispatcher.utter_message(response=response, **values)
        return []
