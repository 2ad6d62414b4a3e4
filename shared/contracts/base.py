"""Envelope, event and RPC bases, and the typed error every service replies with.

Events are CloudEvents 1.0 envelopes whose `data` is a frozen pydantic model named
after its subject (`UserRegisteredV1` for `identity.user.registered.v1`).
"""

from __future__ import annotations

import builtins
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from uuid6 import uuid7

SUBJECT_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")


def new_id() -> str:
    """A UUIDv7 as text: time-ordered, so ids sort by creation."""
    return str(uuid7())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    FOUNDER = "founder"
    MENTOR = "mentor"
    ASSOCIATION_STAFF = "association_staff"
    ORGANIZER = "organizer"
    SCHOOL_ADVISOR = "school_advisor"
    JUDGE = "judge"
    ADMIN = "admin"


class Locale(StrEnum):
    VI = "vi"
    EN = "en"


class Actor(BaseModel):
    """Who is acting: forwarded by the gateway with every RPC."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role
    organization: str | None = None


class Event(BaseModel):
    """Base of every event payload. Subclasses set `subject` and are registered."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: ClassVar[str]
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return
        if not SUBJECT_PATTERN.match(subject):
            raise ValueError(f"event subject {subject!r} is not <service>.<aggregate>.<event>.vN")
        if subject in Event.registry:
            raise ValueError(f"event subject {subject!r} declared twice")
        Event.registry[subject] = cls

    @classmethod
    def producing_service(cls) -> str:
        return cls.subject.split(".", 1)[0]

    @classmethod
    def schema_version(cls) -> str:
        return cls.subject.rsplit(".", 1)[1]


E = TypeVar("E", bound=Event)


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes around one event. `id` doubles as `Nats-Msg-Id`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: str = "1.0"
    id: str = Field(default_factory=new_id)
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    correlationid: str | None = None
    datacontenttype: str = "application/json"
    dataschema: str
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        aggregate_id: str,
        correlation_id: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        return cls(
            id=event_id or new_id(),
            type=event.subject,
            source=type(event).producing_service(),
            subject=aggregate_id,
            correlationid=correlation_id,
            dataschema=type(event).schema_version(),
            data=event.model_dump(mode="json"),
        )

    def event(self) -> Event:
        """The typed payload, validated against the registered contract."""
        try:
            model = Event.registry[self.type]
        except KeyError:
            raise UnknownEventType(self.type) from None
        return model.model_validate(self.data)

    def payload(self, model: builtins.type[E]) -> E:
        if model.subject != self.type:
            raise UnknownEventType(self.type)
        return model.model_validate(self.data)


class UnknownEventType(LookupError):
    pass


class ErrorCode(StrEnum):
    """Stable error codes; the gateway maps each to an HTTP status."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class RpcError(BaseModel):
    code: ErrorCode
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class DomainError(Exception):
    """Raised by domain rules and use cases; becomes an `RpcError` on the wire."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(
        self, message: str, *, error_code: ErrorCode | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.code = error_code
        self.details = details

    def to_error(self) -> RpcError:
        return RpcError(code=self.code, message=self.message, details=self.details)


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Invalid(DomainError):
    code = ErrorCode.INVALID


class RpcRequest(BaseModel):
    """Base of every RPC request. Subclasses set `subject` (`rpc.<service>.<noun>.<verb>`)."""

    model_config = ConfigDict(extra="forbid")

    subject: ClassVar[str]
    actor: Actor | None = None
    # The caller's Idempotency-Key, scoped to the caller by the gateway: a service that
    # creates a record keeps it, so a retried command returns what it made the first time.
    request_key: str | None = Field(None, max_length=128)


ResultT = TypeVar("ResultT", bound=BaseModel)


class RpcReply(BaseModel, Generic[ResultT]):
    """What a request–reply handler sends back: a result or an error, never both."""

    result: ResultT | None = None
    error: RpcError | None = None


class Page(BaseModel, Generic[ResultT]):
    items: list[ResultT]
    total: int
    page: int
    page_size: int


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size


class Ok(BaseModel):
    ok: bool = True
