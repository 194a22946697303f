"""The ORM model, one module per concern; every table is importable from here (`from cases.models import Case`).

Importing the package imports every module, so `Base.metadata` holds every table (Alembic compares it with the
migrations) and SQLAlchemy can resolve the relationships between modules by class name.
"""

from cases.models.api import ApiKey
from cases.models.base import Base, UTCDateTime
from cases.models.case import Case, CaseEvent, CasePhoto, Resident
from cases.models.exports import ExportLink
from cases.models.following import CaseFollower
from cases.models.followup import CaseChase, Survey
from cases.models.handoff import HandoffMessage, HandoffRequest
from cases.models.outbox import Notification
from cases.models.policy import PolicyAnswer
from cases.models.staff import CannedReply, ReportRun, StaffAlert, StaffSession, StaffUser
from cases.models.traffic import ApiToken, ChatLease, ChatPace, InboundUpdate, PendingUpdate, Throttle

__all__ = [
    "ApiKey",
    "ApiToken",
    "Base",
    "CannedReply",
    "Case",
    "CaseChase",
    "CaseEvent",
    "CaseFollower",
    "CasePhoto",
    "ChatLease",
    "ChatPace",
    "ExportLink",
    "HandoffMessage",
    "HandoffRequest",
    "InboundUpdate",
    "Notification",
    "PendingUpdate",
    "PolicyAnswer",
    "ReportRun",
    "Resident",
    "StaffAlert",
    "StaffSession",
    "StaffUser",
    "Survey",
    "Throttle",
    "UTCDateTime",
]
