"""Words the console shows for values stored as codes (roles, periods, event and alert kinds...), to translate.

A code without a label here is shown as it is stored, its underscores as spaces.
"""

from __future__ import annotations

from cases import i18n
from cases.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "role": {"agent": N_("agent"), "supervisor": N_("supervisor"), "admin": N_("admin")},
    "period": {"weekly": N_("weekly"), "monthly": N_("monthly")},
    "period_title": {"weekly": N_("Weekly report"), "monthly": N_("Monthly report")},
    "handoff": {"waiting": N_("waiting"), "active": N_("being answered"), "ended": N_("ended")},
    "trigger": {"talk_to_human": N_("asked for a person"), "low_confidence": N_("assistant unsure"),
                "not_helping": N_("assistant not helping"), "staff": N_("started by staff")},
    "event": {"escalation": N_("escalation"), "assignment": N_("assignment"), "type_change": N_("type change"),
              "chase": N_("chased by the resident"), "note": N_("note"), "survey": N_("satisfaction survey")},
    "actor": {"resident": N_("resident"), "staff": N_("staff"), "system": N_("system")},
    "level": {"district": N_("district"), "subdistrict": N_("sub-district"), "community": N_("community"),
              "grid": N_("grid"), "triage": N_("triage desk")},
    "policy": {"retired": N_("retired"), "expired": N_("expired"), "not yet effective": N_("not yet effective"),
               "live": N_("live")},
    "by": {"staff": N_("official"), "department": N_("department"), "grid": N_("area")},
    "by_rows": {"staff": N_("per official"), "department": N_("per department"), "grid": N_("per area")},
    "sort": {"due": N_("due date"), "newest": N_("newest first")},
}


def label(language: str, group: str, code: object) -> str:
    """The word for `code` among `group`'s in `language`."""
    text = str(code or "")
    known = LABELS.get(group, {}).get(text)
    return i18n.translate(language, known) if known is not None else text.replace("_", " ")
