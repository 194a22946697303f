"""What of a case the public board may show beyond its public facts: staff approve, redact or keep private.

Residents are told at filing that an approved description and photo may be published without their name,
and can say no (Case.publish_allowed); staff then cannot approve. Approving publishes the description as
given or as staff redacted it, and the photos staff chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from cases.events import NOTE, record_event
from cases.guards.cleaning import clean_text
from cases.i18n import N_
from cases.models import Case, CasePhoto, StaffUser
from cases.workflow import Actor

PENDING, APPROVED, PRIVATE = "pending", "approved", "private"
STATES = (PENDING, APPROVED, PRIVATE)
MAX_PUBLIC_DESCRIPTION = 2000


class NotPublishable(ValueError):
    """The resident asked us not to publish their words and photos."""


def approve(session: Session, *, case: Case, staff: StaffUser, description: Optional[str] = None,
            photo_ids: Iterable[int] = (), now: Optional[datetime] = None) -> None:
    """Publish the description (`description`: staff's redacted text; empty or None: as the resident wrote
    it) and the photos with these ids; the others stay private."""
    if not case.publish_allowed:
        raise NotPublishable(N_("the resident asked not to publish their description and photos"))
    text = clean_text(description or "").strip()[:MAX_PUBLIC_DESCRIPTION]
    redacted = bool(text) and text != case.description
    case.public_description = text or case.description
    chosen = set(photo_ids)
    for photo in case.photos:
        photo.public = photo.id in chosen
    case.publication = APPROVED
    record_event(session, case=case, kind=NOTE, actor=Actor.STAFF, staff=staff, now=now,
                 internal_note=f"Approved for the public board{' (redacted)' if redacted else ''}, "
                               f"{len(chosen & {p.id for p in case.photos})} photo(s).")


def keep_private(session: Session, *, case: Case, staff: StaffUser, now: Optional[datetime] = None) -> None:
    """Show neither the description nor any photo on the board (the public facts stay)."""
    case.publication = PRIVATE
    case.public_description = None
    for photo in case.photos:
        photo.public = False
    record_event(session, case=case, kind=NOTE, actor=Actor.STAFF, staff=staff, now=now,
                 internal_note="Kept private: not on the public board.")


def public_description(case: Case) -> Optional[str]:
    """The description the public may read, or None."""
    if case.publication != APPROVED or not case.publish_allowed:
        return None
    return case.public_description


def public_photo_path(session: Session, *, photo_id: int) -> Optional[str]:
    """The stored path of a photo the public may see (approved, of an approved case the resident let us
    publish), or None."""
    photo = session.get(CasePhoto, photo_id)
    if photo is None or not photo.public or public_description(photo.case) is None:
        return None
    return photo.path
