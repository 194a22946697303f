"""A service request posted by an Open311 client becomes a case like any other (channel `open311`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from cases import lifecycle
from cases.catalog import Catalog, load_catalog
from cases.models import ApiKey, Case
from cases.questions import InvalidAnswers
from cases.residents import OPEN311, get_or_create_resident

MAX_DESCRIPTION = 4000  # GeoReport v2's limit
MAX_MEDIA_URL = 1000


class RequestRefused(ValueError):
    """A posted request we cannot take, and why, in words for the client's developer (400)."""


@dataclass(frozen=True)
class Submission:
    """What a client posted, parsed from the form (attribute values as given: a string or a list)."""

    service_code: str
    description: str = ""
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    address: Optional[str] = None
    media_url: Optional[str] = None
    attributes: Mapping[str, object] = field(default_factory=dict)
    # Who reported it, as the client knows them: only a pseudonym of the first given is kept (to tell one
    # person's requests apart), and the name; e-mail, phone, device and account ids are not stored.
    email: Optional[str] = None
    device_id: Optional[str] = None
    account_id: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None


def _reporter_id(key: ApiKey, submission: Submission) -> str:
    """The resident's external id: the key, and a pseudonym of the reporter's e-mail, account or device."""
    known = next((v.strip().lower() for v in (submission.email, submission.account_id, submission.device_id)
                  if v and v.strip()), None)
    if known is None:
        return f"{key.id}:anonymous"
    return f"{key.id}:" + hashlib.sha256(f"{key.id}\x1f{known}".encode()).hexdigest()[:40]


def file_request(session: Session, *, key: ApiKey, submission: Submission, reference_prefix: str,
                 catalog: Optional[Catalog] = None, now: Optional[datetime] = None) -> Case:
    """File the posted request as a case (its reference is the service_request_id); RequestRefused if it
    cannot be (an unknown service, no location, an answer its service definition refuses...)."""
    catalog = catalog or load_catalog()
    if submission.service_code not in catalog:
        raise RequestRefused(f"service_code {submission.service_code!r} was not found")
    kind = catalog.get(submission.service_code)
    if len(submission.description) > MAX_DESCRIPTION:
        raise RequestRefused(f"description is longer than {MAX_DESCRIPTION} characters")
    if submission.media_url and (len(submission.media_url) > MAX_MEDIA_URL
                                 or not submission.media_url.startswith(("https://", "http://"))):
        raise RequestRefused("media_url must be an http or https URL")
    has_pin = submission.latitude is not None or submission.longitude is not None
    if not has_pin and not (submission.address or "").strip():
        raise RequestRefused("a location is required: lat and long, or address_string")
    name = " ".join(p.strip() for p in (submission.first_name, submission.last_name) if p and p.strip()) or None
    resident = get_or_create_resident(session, channel=OPEN311, external_id=_reporter_id(key, submission),
                                      display_name=name, now=now)
    try:
        case = lifecycle.open_case(
            session, resident=resident, request_type=kind.code,
            description=submission.description.strip() or kind.name,
            latitude=submission.latitude, longitude=submission.longitude,
            address=None if has_pin and not submission.address else submission.address,
            answers=submission.attributes, reference_prefix=reference_prefix, catalog=catalog, now=now,
            internal_note=f"Filed through Open311 by {key.name}."
            + (f" Photo link: {submission.media_url}" if submission.media_url else ""))
    except InvalidAnswers as refused:
        raise RequestRefused(f"attribute {refused}") from None
    except ValueError as refused:  # coordinates out of range, one of lat/long only
        raise RequestRefused(str(refused)) from None
    return case
