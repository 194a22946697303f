"""Chasing (催办) an overdue request: the staff handling it are told, once per case and day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.conversation import button, language
from actions.filing import type_name
from actions.runtime.deps import UsesCaseSystem
from actions.runtime.errors import apologises
from actions.status import Reply, reference_in_message
from cases import queries
from cases.clock import utcnow
from cases.followup import chase as chasing
from cases.messages import format_date, status_label
from cases.models import Resident
from cases.residents import resident_for_sender

MAX_BUTTONS = 8


def chase(session: Session, *, resident: Resident, reference: str, timezone: str, now: datetime,
          lang: str = "en") -> Reply:
    """Chase one of the resident's cases by reference; the answer to give, whatever the outcome."""
    try:
        chasing.chase_case(session, resident=resident, reference=reference, timezone=timezone, now=now)
    except queries.CaseNotFound:  # someone else's reference gets the very same answer as a wrong one
        return "utter_case_not_found", {"reference": reference}
    except chasing.CannotChase as refused:
        worked = queries.followed_case(refused.case)
        values = {"reference": refused.case.reference}
        if refused.reason == "not_overdue":
            return "utter_chase_not_overdue", {**values, "due_date": format_date(worked.due_at, timezone)}
        if refused.reason == "already_today":
            return "utter_chase_already_today", values
        return "utter_chase_closed", {**values, "status": status_label(worked.status, lang)}
    case = queries.find_case_for_resident(session, resident=resident, reference=reference)
    assert case is not None  # chase_case found it just above
    return "utter_case_chased", {"reference": queries.reference_of(case),
                                 "due_date": format_date(queries.followed_case(case).due_at, timezone)}


def without_reference(session: Session, *, resident: Resident, timezone: str, now: datetime,
                      lang: str = "en") -> Reply:
    """No reference given: chase the resident's one overdue case, else let them pick among those being worked on."""
    working, overdue = chasing.chaseable_cases(session, resident=resident, now=now)
    if len(overdue) == 1:
        return chase(session, resident=resident, reference=queries.reference_of(overdue[0]), timezone=timezone, now=now,
                     lang=lang)
    if not working:
        return "utter_nothing_to_chase", {}
    buttons = [button(f"{case.reference} · {type_name(case.request_type, lang)}", "chase_case",
                      reference=queries.reference_of(case))
               for case in working[:MAX_BUTTONS]]
    return "utter_ask_which_to_chase", {"buttons": buttons}


class ActionChaseCase(UsesCaseSystem, Action):
    """Chase the case named in the message, the one overdue case, or offer the open ones as buttons."""

    def name(self) -> str:
        return "action_chase_case"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        settings, now = self.deps.settings, utcnow()
        reference, timezone = reference_in_message(tracker, settings.reference_prefix), settings.timezone
        with self.deps.database().transaction() as session:
            resident = resident_for_sender(session, tracker.sender_id)
            if reference:
                reply = chase(session, resident=resident, reference=reference, timezone=timezone, now=now,
                              lang=language(tracker))
            else:
                reply = without_reference(session, resident=resident, timezone=timezone, now=now,
                                          lang=language(tracker))
        response, values = reply
        dispatcher.utter_message(response=response, **values)
        return []
