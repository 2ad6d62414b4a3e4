"""Envelope, event and RPC bases, and the typed error every service replies with.

Events are CloudEvents 1.0 envelopes whose `data` is a frozen pydantic model named
after its subject (`UserRegisteredV1` for `identity.user.registered.v1`).
"""

from __future__ import annotations

import builtins
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from uuid6 import uuid7

SUBJECT_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")


def new_id() -> str:
    """A UUIDv7 as text: time-ordered, so ids sort by creation."""
    return str(uuid7())


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class Role(StrEnum):
    """The seven roles of DESIGN §1; an account has exactly one."""

    FOUNDER = "founder"
    MENTOR = "mentor"
    ASSOCIATION_STAFF = "association_staff"
    ORGANIZER = "organizer"
    SCHOOL_ADVISOR = "school_advisor"
    JUDGE = "judge"
    ADMIN = "admin"


class Locale(StrEnum):
    """The two locales (DESIGN §7): Vietnamese first, English second."""

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
        """The service that publishes this event: the subject's first part."""
        return cls.subject.split(".", 1)[0]

    @classmethod
    def schema_version(cls) -> str:
        """The contract version, `vN`: the subject's last part."""
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
        """The envelope around `event`, with a new UUIDv7 id unless `event_id` is given."""
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
        """The payload as `model`; raises `UnknownEventType` when the type differs."""
        if model.subject != self.type:
            raise UnknownEventType(self.type)
        return model.model_validate(self.data)


class UnknownEventType(LookupError):
    """An envelope whose `type` names no registered event contract (or another one)."""

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
    """The typed error a service replies with: `{code, message, details}` (DESIGN §4)."""

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
        """This error as the `RpcError` sent on the wire."""
        return RpcError(code=self.code, message=self.message, details=self.details)


class NotFound(DomainError):
    """`not_found` → 404: no such thing, or the caller may not know it exists."""

    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    """`conflict` → 409: a stale version, a duplicate, or a state that forbids the move."""

    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    """`forbidden` → 403: the caller may not do this to this thing (ownership, DESIGN §6)."""

    code = ErrorCode.FORBIDDEN


class Invalid(DomainError):
    """`invalid` → 422: input that breaks a rule the contract's bounds cannot express."""

    code = ErrorCode.INVALID


ReplyT = TypeVar("ReplyT", bound=BaseModel)


class RpcRequest(BaseModel, Generic[ReplyT]):
    """Base of every RPC request, generic in the model its handler replies with (DESIGN §4).

    A contract states its subject (`rpc.<service>.<noun>.<verb>`) and its reply once:
    `class VerifyStartup(RpcRequest[StartupView])`. `call(broker, request)` returns that
    reply type and `rpc_responder` refuses (under mypy) a use case that returns another.
    Raises `TypeError` at class creation when a subclass with a subject names no reply.
    """

    model_config = ConfigDict(extra="forbid")

    subject: ClassVar[str]
    # Read from the type argument when the subclass is created; see `reply_model`.
    _reply_model: ClassVar[builtins.type[BaseModel] | None] = None
    actor: Actor | None = None
    # The caller's Idempotency-Key, scoped to the caller by the gateway: a service that
    # creates a record keeps it, so a retried command returns what it made the first time.
    request_key: str | None = Field(None, max_length=128)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for base in cls.__mro__:
            metadata = getattr(base, "__pydantic_generic_metadata__", None) or {}
            args = metadata.get("args") or ()
            if metadata.get("origin") is RpcRequest and args and isinstance(args[0], type):
                cls._reply_model = args[0]
                break
        if "subject" in cls.__dict__ and cls._reply_model is None:
            raise TypeError(f"{cls.__name__} names no reply: subclass RpcRequest[ReplyModel]")

    @classmethod
    def reply_model(cls) -> builtins.type[ReplyT]:
        """The pydantic model a handler of this request replies with."""
        if cls._reply_model is None:
            raise TypeError(f"{cls.__name__} names no reply type")
        # The stored class is the type argument itself, which is what ReplyT stands for.
        return cast("builtins.type[ReplyT]", cls._reply_model)


ResultT = TypeVar("ResultT", bound=BaseModel)


class RpcReply(BaseModel, Generic[ResultT]):
    """What a request–reply handler sends back: a result or an error, never both."""

    result: ResultT | None = None
    error: RpcError | None = None


class Page(BaseModel, Generic[ResultT]):
    """One page of a list, as every list on the API answers it (DESIGN §9):
    `{items, total, page, page_size}`, `page` counted from 1."""

    items: list[ResultT]
    total: int
    page: int
    page_size: int


class PageQuery(BaseModel):
    """`page` (from 1, ≤ 10 000) and `page_size` (1–100, default 20) of a list (DESIGN §9)."""

    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)

    @property
    def skip(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.page_size


T = TypeVar("T")


def unique(items: list[T]) -> list[T]:
    """`items` without repeats, first occurrence kept: the validator of list fields that are
    sets (`needs`, `expertise`, `wards`...), so `["ip", "ip"]` is stored once."""
    return list(dict.fromkeys(items))


def _null_only_where_clearable(schema: dict[str, Any], model: builtins.type[Any]) -> None:
    """The JSON Schema of a `Patch` offers `null` only for its clearable fields, as the
    validator accepts it (so OpenAPI clients and fuzzers are told the truth)."""
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, prop in (schema.get("properties") or {}).items():
        options = prop.get("anyOf")
        if name in clearable or not isinstance(options, list):
            continue
        kept = [option for option in options if option.get("type") != "null"]
        if prop.get("default", 0) is None:
            del prop["default"]  # left out means unchanged; null is not a value here
        if len(kept) == 1:
            del prop["anyOf"]
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


class Patch(BaseModel):
    """Base of partial updates (PATCH bodies): a field left out keeps its value, a value
    changes it, and `null` clears it only when its name is in `clearable` (a field that is
    optional in the full model). Any other `null` is refused with a `null_not_allowed` error
    naming the field, so a service never sees a required field cleared (issue 14)."""

    model_config = ConfigDict(json_schema_extra=_null_only_where_clearable)

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_optional(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError(
                "null_not_allowed", "This field cannot be cleared; leave it out to keep it"
            )
        return value


class Ok(BaseModel):
    """`{ok: true}`, the reply of a request that has nothing else to say."""

    ok: bool = True
