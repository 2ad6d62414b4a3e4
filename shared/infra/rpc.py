"""Request–reply between the gateway and the services, on nats-py under our contracts
(DESIGN §4; issue 19).

A service answers each `rpc.<service>.<noun>.<verb>` subject on the broker's own nats-py
connection, in the queue group named after the service, one task per request bounded by
`RPC_CONCURRENCY`; a caller sends with nats-py's `request` (one muxed inbox per
connection). FastStream's request–reply did the same work through its middleware,
decoding and response machinery: bench/rpc.py measured it at about a third of bare
nats-py, so the kit keeps its contracts and error mapping and drops the framework here.
Events stay on FastStream (`shared.infra.broker`).

Wire format, unchanged: the body is the request contract's JSON (unset fields left out);
the reply is `{"result": …}` or `{"error": {code, message, details}}`; the correlation id
travels in the `correlation_id` header (FastStream's name for it) and comes back on the
reply, and is bound to every log line the handler writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import nats.errors
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import BaseModel, ValidationError

from shared.contracts.base import DomainError, ErrorCode, RpcError, RpcReply, RpcRequest
from shared.infra.logging import bind_correlation, current_correlation_id, get_logger

log = get_logger(__name__)

#: The header a request's correlation id travels in (FastStream's own name for it).
CORRELATION_HEADER = "correlation_id"

#: Requests one process answers at once, over all its subjects. Beyond it the subscription
#: stops taking messages off the connection until a request ends (nats-py keeps the rest
#: pending), so a burst queues instead of opening hundreds of database calls.
RPC_CONCURRENCY = 32

ReplyT = TypeVar("ReplyT", bound=BaseModel)
ReplyT_co = TypeVar("ReplyT_co", bound=BaseModel, covariant=True)
RequestT = TypeVar("RequestT", bound=RpcRequest[Any])
RequestT_co = TypeVar("RequestT_co", bound=RpcRequest[Any], covariant=True)

#: The unavailable cases: nobody answered, nobody answered in time, or the connection is
#: closing (a process shutting down).
_UNANSWERED = (
    TimeoutError,
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
)


class RpcFailure(Exception):
    """A typed error answered by a service, or `unavailable` when none answered in time."""

    def __init__(self, error: RpcError) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.error = error

    @property
    def code(self) -> ErrorCode:
        """The error's code, which the gateway maps to an HTTP status (DESIGN §4)."""
        return self.error.code


class RequestClass(Protocol[RequestT_co, ReplyT_co]):
    """A request contract class as `rpc_responder` sees it: `VerifyStartup` is a
    `RequestClass[VerifyStartup, StartupView]`, so mypy ties a use case to both."""

    subject: str

    def model_validate(self, obj: Any) -> RequestT_co:
        """The request parsed from its decoded JSON body."""
        ...

    def model_validate_json(self, json_data: str | bytes) -> RequestT_co:
        """The request parsed from its JSON body as received."""
        ...

    def reply_model(self) -> type[ReplyT_co]:
        """The model the request's handler replies with."""
        ...


#: A request–reply handler on the wire: the request's JSON body → the reply's JSON body.
Handler = Callable[[bytes], Awaitable[bytes]]
#: The same on decoded JSON (`rpc_responder`).
Responder = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


_ERROR_CODE = re.compile(rb'^\{"error":\{"code":"([a-z_]+)"')


def _outcome(body: bytes) -> str:
    """`result`, or the code of the error a reply body carries."""
    found = _ERROR_CODE.match(body)
    return found.group(1).decode() if found else "result"


def _error_body(error: RpcError) -> bytes:
    return b'{"error":' + error.model_dump_json().encode() + b"}"


def rpc_handler(
    request_model: RequestClass[RequestT, ReplyT],
    use_case: Callable[[RequestT], Awaitable[ReplyT]],
) -> Handler:
    """Turn a typed use case into a handler of JSON bytes that always answers (DESIGN §4).

    `use_case` takes the request contract and returns the reply that contract names
    (`RpcRequest[StartupView]` → `StartupView`); mypy refuses any other pairing. The
    handler answers `{"result": {...}}`, or `{"error": {code, message, details}}`: a
    domain error keeps its code, a malformed request (bad JSON included) is `invalid` with
    pydantic's errors, anything unexpected is `internal` with no internals (logged as
    `rpc.failed`). The body is parsed once, straight from bytes."""

    async def handle(data: bytes) -> bytes:
        """Validate the request body, run the use case and answer `{result}` or `{error}`."""
        try:
            request = request_model.model_validate_json(data)
        except ValidationError as exc:
            return _error_body(
                RpcError(
                    code=ErrorCode.INVALID,
                    message="invalid request",
                    details={
                        "errors": json.loads(exc.json(include_url=False, include_input=False))
                    },
                )
            )
        try:
            result = await use_case(request)
        except DomainError as exc:
            return _error_body(exc.to_error())
        except Exception:
            log.exception("rpc.failed", subject=request_model.subject)
            return _error_body(RpcError(code=ErrorCode.INTERNAL, message="internal error"))
        return b'{"result":' + result.model_dump_json().encode() + b"}"

    handle.__name__ = getattr(use_case, "__name__", "handle")
    handle.__doc__ = use_case.__doc__
    return handle


def rpc_responder(
    request_model: RequestClass[RequestT, ReplyT],
    use_case: Callable[[RequestT], Awaitable[ReplyT]],
) -> Responder:
    """`rpc_handler` on decoded JSON: the request body as a dict → `{result}` or `{error}`
    as a dict. For a caller that already holds the decoded body (a FastStream subscriber,
    a test); the kit itself answers with `rpc_handler` on the raw bytes."""
    handle = rpc_handler(request_model, use_case)

    async def respond(body: dict[str, Any]) -> dict[str, Any]:
        """Answer one decoded request body."""
        answer: dict[str, Any] = json.loads(await handle(json.dumps(body).encode()))
        return answer

    respond.__name__ = handle.__name__
    respond.__doc__ = use_case.__doc__
    return respond


class RpcResponders:
    """The request–reply subscriptions of one process, on its broker's nats-py connection.

    Routes are added while the app is built (`answer_rpc`), subscribed by `start` once the
    broker is connected, and drained by `drain` at shutdown, before the service closes its
    store. Each request runs in its own task; at most `concurrency` run at once."""

    def __init__(self, concurrency: int = RPC_CONCURRENCY) -> None:
        self.routes: dict[str, tuple[str, Handler]] = {}
        self.concurrency = concurrency
        self.subscriptions: list[Subscription] = []
        self.running: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self.answered: Counter | None = None
        self.latency: Histogram | None = None

    def add(self, subject: str, queue: str, handler: Handler) -> None:
        """Answer `subject` with `handler` in queue group `queue`. Raises `ValueError` when
        the subject already has a handler (two would split its requests between them)."""
        if subject in self.routes:
            raise ValueError(f"{subject} already has a handler")
        if self.subscriptions:
            raise RuntimeError("add request handlers before the responders start")
        self.routes[subject] = (queue, handler)

    async def start(self, connection: NatsClient) -> None:
        """Subscribe every route on `connection` and wait until the server has them
        (idempotent: a second call does nothing)."""
        if self.subscriptions:
            return
        self._slots = asyncio.Semaphore(self.concurrency)
        for subject, (queue, handler) in sorted(self.routes.items()):
            callback = functools.partial(self._dispatch, handler)
            self.subscriptions.append(await connection.subscribe(subject, queue=queue, cb=callback))
        # A round trip: once it returns the server has every subscription, so a request
        # sent after start (the readiness ping) finds a responder.
        await connection.flush()
        log.debug("rpc.responding", subjects=len(self.subscriptions))

    async def _dispatch(self, handler: Handler, msg: Msg) -> None:
        # The subscription's own task awaits this: it waits for a free slot (back pressure
        # on the connection's pending queue) and hands the request to a task of its own.
        assert self._slots is not None
        await self._slots.acquire()
        task = asyncio.create_task(self._answer(handler, msg))
        self.running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        assert self._slots is not None
        self._slots.release()

    def instrument(self, registry: CollectorRegistry) -> None:
        """Count answered requests by subject and outcome (`result` or the error's code)
        and time them, in `registry` (the service's `/metrics`)."""
        self.answered = Counter(
            "innohub_rpc_requests_total",
            "Requests answered, by subject and outcome (result or error code)",
            ["subject", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "innohub_rpc_request_duration_seconds",
            "Time from taking a request to sending its reply, by subject",
            ["subject"],
            registry=registry,
        )

    async def _answer(self, handler: Handler, msg: Msg) -> None:
        headers = msg.headers
        bind_correlation(headers.get(CORRELATION_HEADER) if headers else None)
        started = time.perf_counter()
        try:
            body = await handler(msg.data)
            if msg.reply:
                # Echoes the request's headers, the correlation id among them.
                await msg.respond(body)
        except Exception as exc:  # the reply could not be sent: the caller times out
            log.warning("rpc.reply_failed", subject=msg.subject, error=f"{type(exc).__name__}")
            return
        if self.answered is not None and self.latency is not None:
            self.latency.labels(msg.subject).observe(time.perf_counter() - started)
            self.answered.labels(msg.subject, _outcome(body)).inc()

    async def drain(self, timeout: float = 10.0) -> None:
        """Stop taking requests (copies in the same queue group take them from here on),
        let those already received finish and answer, for at most `timeout` seconds; the
        ones still running then are cancelled."""
        subscriptions, self.subscriptions = self.subscriptions, []
        for subscription in subscriptions:
            try:
                await subscription.drain()  # type: ignore[no-untyped-call]
            except nats.errors.Error:  # the connection is already closed or draining
                with contextlib.suppress(nats.errors.Error):
                    await subscription.unsubscribe()
        if self.running:
            _, late = await asyncio.wait(set(self.running), timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("rpc.drain_timed_out", cancelled=len(late))


_RESPONDERS: weakref.WeakKeyDictionary[NatsBroker, RpcResponders] = weakref.WeakKeyDictionary()


def rpc_responders(broker: NatsBroker) -> RpcResponders:
    """The request–reply handlers registered for `broker` (made on first use)."""
    responders = _RESPONDERS.get(broker)
    if responders is None:
        responders = _RESPONDERS[broker] = RpcResponders()
    return responders


def answer_rpc(
    broker: NatsBroker,
    service: str,
    request_model: RequestClass[RequestT, ReplyT],
    use_case: Callable[[RequestT], Awaitable[ReplyT]],
    *,
    subject: str | None = None,
) -> None:
    """Answer `use_case`'s contract subject (or `subject`, for the requests every service
    answers on its own subject) in the service's queue group, through `rpc_handler`.

    Registered now, subscribed when the service starts (`start_rpc`), drained when it
    stops (`drain_rpc`): `shared.infra.runtime` does both."""
    rpc_responders(broker).add(
        subject or request_model.subject, service, rpc_handler(request_model, use_case)
    )


async def start_rpc(broker: NatsBroker, registry: CollectorRegistry | None = None) -> None:
    """Subscribe the request handlers registered for `broker` on its (connected)
    nats-py connection; with `registry`, count and time them there."""
    responders = rpc_responders(broker)
    if registry is not None and responders.answered is None:
        responders.instrument(registry)
    await responders.start(broker.connection)


async def drain_rpc(broker: NatsBroker, timeout: float = 10.0) -> None:
    """Stop answering requests and wait (at most `timeout` seconds) for those in flight."""
    await rpc_responders(broker).drain(timeout)


@functools.cache
def _reply_type(model: type[BaseModel]) -> type[RpcReply[Any]]:
    return RpcReply[model]  # type: ignore[valid-type]


async def call(
    broker: NatsBroker,
    request: RpcRequest[ReplyT],
    *,
    timeout: float,
    correlation_id: str | None = None,
    subject: str | None = None,
) -> ReplyT:
    """Send a request and return the reply its contract names (DESIGN §4).

    `subject` overrides the contract's for requests every service answers
    (`ping_subject(service)`); `correlation_id` defaults to the one bound to the current
    log context. Raises `RpcFailure` with the service's typed error, with `unavailable`
    when no copy answered within `timeout` seconds (or none subscribes, or the connection
    is closing), or with `internal` when the reply holds neither a result nor an error.
    """
    subject = subject or request.subject
    correlation = correlation_id or current_correlation_id()
    connection = broker.connection
    # Unset fields stay unset: the service tells "not given" from an explicit null.
    body = request.model_dump_json(exclude_unset=True).encode()
    headers = {CORRELATION_HEADER: correlation} if correlation else None
    deadline = time.monotonic() + timeout
    try:
        try:
            response = await connection.request(subject, body, timeout=timeout, headers=headers)
        except nats.errors.NoRespondersError:
            # nats-server can answer "no responders" for a subscription its client had
            # already confirmed, on a loaded machine (a raw nats-py loop: 12–31 in 300
            # under CPU load, 0 once the caller waits one round trip): ask once more after
            # a round trip; a subject nobody answers is still `unavailable` at once.
            await asyncio.wait_for(connection.flush(), max(0.001, deadline - time.monotonic()))
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            response = await connection.request(subject, body, timeout=left, headers=headers)
    except _UNANSWERED as exc:
        raise RpcFailure(
            RpcError(
                code=ErrorCode.UNAVAILABLE,
                message="service did not answer",
                details={"subject": subject, "reason": type(exc).__name__},
            )
        ) from exc
    reply = _reply_type(type(request).reply_model()).model_validate_json(response.data)
    if reply.error is not None:
        raise RpcFailure(reply.error)
    if reply.result is None:
        raise RpcFailure(RpcError(code=ErrorCode.INTERNAL, message="empty reply"))
    result: ReplyT = reply.result
    return result
