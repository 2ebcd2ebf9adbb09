"""Typed SQLAlchemy models and the domain operations on them.

Domain operations may flush but never commit: the view or CLI command owns the transaction.
"""

from models import transactions  # noqa: F401 (its session hooks tell the event listeners)
from models.alerts import Alert, AlertKind
from models.audit import AuditEntry, audit
from models.base import Base, db, now_utc
from models.catalog import (
    DocumentKind,
    Office,
    RequiredDocument,
    Section,
    Service,
    ServiceStep,
    StepKind,
)
from models.complaints import Complaint, ComplaintCategory, ComplaintStatus, ComplaintUpdate
from models.queue import (
    PrintJob,
    PrintStatus,
    PriorityReason,
    QueueEvent,
    SegmentOutcome,
    Ticket,
    TicketSequence,
    TicketStatus,
    VisitSegment,
)
from models.ratings import Aspect, Rating, RatingChannel, RatingCredit, RatingError, rate_visit
from models.reports import rollup  # noqa: F401 (its tables belong to the schema)
from models.staff import ApiToken, Counter, Role, Staff, counter_service
from models.throttle import FailedAttempt

__all__ = [
    "Alert",
    "AlertKind",
    "Aspect",
    "AuditEntry",
    "Complaint",
    "ComplaintCategory",
    "ComplaintStatus",
    "ComplaintUpdate",
    "Rating",
    "RatingChannel",
    "RatingCredit",
    "RatingError",
    "audit",
    "rate_visit",
    "ApiToken",
    "Base",
    "Counter",
    "DocumentKind",
    "Office",
    "PrintJob",
    "PrintStatus",
    "PriorityReason",
    "QueueEvent",
    "RequiredDocument",
    "Role",
    "Section",
    "SegmentOutcome",
    "Service",
    "ServiceStep",
    "FailedAttempt",
    "Staff",
    "StepKind",
    "Ticket",
    "TicketSequence",
    "TicketStatus",
    "VisitSegment",
    "counter_service",
    "db",
    "now_utc",
]
