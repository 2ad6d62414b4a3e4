"""NATS through FastStream, with our defaults set on purpose (DESIGN §4, §10, §12).

FastStream's defaults are not ours: a raised handler would be terminated and no
`Nats-Msg-Id` would be sent. Here a raised event handler is redelivered after a delay
and, on its last delivery, handed to the `DLQ` stream with the error; every event is
published with its envelope id as `Nats-Msg-Id`. Request–reply is on nats-py, in
`shared.infra.rpc` (re-exported here).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.exceptions import AckMessage, HandlerException, NackMessage
from faststream.message import StreamMessage
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.security import NatsUserPassword
from nats.js import api as js_api
from nats.js.errors import NotFoundError

from shared.contracts.base import Envelope
from shared.contracts.streams import DLQ, StreamSpec, dead_letter_subject, stream_for
from shared.infra.logging import bind_correlation, clear_correlation, get_logger
from shared.infra.rpc import RPC_CONCURRENCY as RPC_CONCURRENCY
from shared.infra.rpc import ReplyT as ReplyT
from shared.infra.rpc import RequestClass as RequestClass
from shared.infra.rpc import RequestT as RequestT
from shared.infra.rpc import RpcFailure as RpcFailure
from shared.infra.rpc import answer_rpc as answer_rpc
from shared.infra.rpc import call as call
from shared.infra.rpc import rpc_handler as rpc_handler
from shared.infra.rpc import rpc_responder as rpc_responder
from shared.infra.settings import Settings

log = get_logger(__name__)
# Request–reply lives in `shared.infra.rpc` (nats-py, issue 19); its names imported above
# stay importable from here, where services have always found them.

MSG_ID_HEADER = "Nats-Msg-Id"


# --- broker and streams -----------------------------------------------------------------


def make_broker(settings: Settings) -> NatsBroker:
    """A broker for one process: our logger, correlation ids bound, DLQ hand-off."""
    policy = RedeliveryPolicy(settings.event_max_deliver, settings.event_backoff_seconds)
    secret = settings.nats_secret()
    security = (
        NatsUserPassword(settings.nats_user, secret)
        if settings.nats_user and secret is not None
        else None
    )
    broker = NatsBroker(
        settings.nats_servers,
        security=security,
        name=f"{settings.service}{'-' + settings.instance if settings.instance else ''}",
        logger=logging.getLogger("faststream"),
        # One line per message at INFO would drown the log in readiness pings.
        log_level=logging.DEBUG,
        middlewares=[CorrelationMiddleware, policy],
        graceful_timeout=5.0,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
    )
    policy.broker = broker
    return broker


def stream_config(spec: StreamSpec, replicas: int = 1) -> js_api.StreamConfig:
    """Our settings for a new stream: file storage, limits retention of a year, an explicit
    duplicate window (DESIGN §4, §12), and `replicas` copies (3 on a cluster)."""
    return js_api.StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=js_api.RetentionPolicy.LIMITS,
        storage=js_api.StorageType.FILE,
        max_age=spec.max_age_seconds,
        duplicate_window=spec.duplicate_window_seconds,
        discard=js_api.DiscardPolicy.OLD,
        num_replicas=replicas,
    )


async def ensure_streams(
    broker: NatsBroker, specs: tuple[StreamSpec, ...], *, replicas: int = 1
) -> None:
    """Create each stream that is missing, with `replicas` copies; add subjects a stream
    lacks. An existing stream's other settings are left as they are: every process runs
    this at start, and it must never set an R3 stream back to one replica or undo an
    operator's edit (a longer retention, a bigger duplicate window)."""
    js = broker.connection.jetstream()
    for spec in specs:
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(stream_config(spec, replicas))
            log.info("stream.created", stream=spec.name, replicas=replicas)
            continue
        subjects = list(info.config.subjects or [])
        missing = [subject for subject in spec.subjects if subject not in subjects]
        if missing:
            # A wildcard we add takes in the narrower subjects it covers (NATS refuses
            # overlapping subjects on one stream).
            kept = [s for s in subjects if not any(_covers(m, s) for m in missing)]
            config = info.config
            config.subjects = [*kept, *missing]
            await js.update_stream(config)
            log.info("stream.subjects_added", stream=spec.name, subjects=missing)


def _covers(pattern: str, subject: str) -> bool:
    """Whether the NATS subject `pattern` (a `>` tail wildcard) matches all of `subject`."""
    return pattern.endswith(".>") and subject.startswith(pattern[:-1])


async def reset_consumers(broker: NatsBroker, service: str) -> list[str]:
    """Delete the durable consumers named `<service>-…` on every stream; they are created
    again, from the start of their streams, when the service's subscribers start."""
    js = broker.connection.jetstream()
    removed: list[str] = []
    for stream in await js.streams_info():
        stream_name = stream.config.name
        if not stream_name:
            continue
        for consumer in await js.consumers_info(stream_name):
            name = consumer.config.durable_name or consumer.name
            if name and name.startswith(f"{service}-"):
                with contextlib.suppress(NotFoundError):
                    await js.delete_consumer(stream_name, name)
                    removed.append(f"{stream_name}/{name}")
    return removed


async def consumer_created(broker: NatsBroker, stream: str, durable: str) -> datetime | None:
    """When JetStream created the durable consumer `durable` on `stream` (UTC), or None
    when it does not exist (yet)."""
    try:
        info = await broker.connection.jetstream().consumer_info(stream, durable)
    except NotFoundError:
        return None
    created: datetime | None = info.created
    return created


# --- events: publish and consume --------------------------------------------------------


def encode_envelope(envelope: Envelope) -> bytes:
    """The envelope as UTF-8 JSON bytes, the body published on the event's subject."""
    return envelope.model_dump_json().encode()


async def publish_event(broker: NatsBroker, envelope: Envelope) -> js_api.PubAck:
    """Publish to JetStream with `Nats-Msg-Id` = envelope id, so a republish is dropped."""
    ack: js_api.PubAck = await broker.publish(
        encode_envelope(envelope),
        subject=envelope.type,
        headers={MSG_ID_HEADER: envelope.id, "content-type": "application/json"},
        correlation_id=envelope.correlationid or envelope.id,
        stream=stream_for(envelope.type).name,
    )
    return ack


def consumer_options(
    settings: Settings,
    *,
    stream: StreamSpec,
    durable: str,
    batch_size: int = 16,
) -> dict[str, Any]:
    """Subscriber arguments for a durable pull consumer with our ack policy.

    No server-side BackOff: it would replace AckWait, so a slow handler would be
    redelivered while still running. Backoff comes from the delay on each nak instead.
    """
    if "." in durable or "*" in durable or ">" in durable:
        raise ValueError("NATS consumer names cannot contain '.', '*' or '>'")
    return {
        "stream": JStream(stream.name, declare=False),
        "durable": durable,
        "pull_sub": PullSub(batch_size=batch_size, timeout=2.0),
        "config": ConsumerConfig(
            durable_name=durable,
            ack_policy=js_api.AckPolicy.EXPLICIT,
            ack_wait=settings.event_ack_wait_seconds,
            max_deliver=settings.event_max_deliver,
            max_ack_pending=1000,
            deliver_policy=js_api.DeliverPolicy.ALL,
        ),
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }


def _js_metadata(msg: StreamMessage[Any]) -> Any | None:
    raw = msg.raw_message
    if not hasattr(raw, "reply") or not raw.reply or not raw.reply.startswith("$JS.ACK."):
        return None
    return raw.metadata


class CorrelationMiddleware(BaseMiddleware):
    """Binds the message's correlation id to every log line its handler writes."""

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        """Bind the message's correlation id to the log context while it is handled."""
        bind_correlation(msg.correlation_id)
        try:
            return await call_next(msg)
        finally:
            clear_correlation()


class RedeliveryPolicy:
    """Broker middleware factory: nak with backoff, then dead-letter on the last delivery."""

    def __init__(self, max_deliver: int, backoff_seconds: list[float]) -> None:
        self.max_deliver = max_deliver
        self.backoff_seconds = backoff_seconds or [1.0]
        self.broker: NatsBroker | None = None

    def delay_after(self, delivered: int) -> float:
        """Seconds to wait before the next delivery after `delivered` (1-based) attempts;
        the last configured backoff repeats once the list runs out."""
        return self.backoff_seconds[min(delivered, len(self.backoff_seconds)) - 1]

    def __call__(self, msg: Any, /, *, context: Any) -> BaseMiddleware:
        return _RedeliveryMiddleware(msg, context=context, policy=self)

    async def dead_letter(
        self, msg: StreamMessage[Any], metadata: Any, error: BaseException
    ) -> None:
        """Publish the failed message, its stream position, headers and error to the DLQ
        stream, on `dead_letter_subject(stream, consumer)`, deduplicated by stream sequence."""
        assert self.broker is not None
        raw = msg.raw_message
        stream, consumer = metadata.stream, metadata.consumer
        letter = {
            "original_subject": raw.subject,
            "stream": stream,
            "consumer": consumer,
            "stream_seq": metadata.sequence.stream,
            "delivered": metadata.num_delivered,
            "error": f"{type(error).__name__}: {error}",
            "failed_at": datetime.now(UTC).isoformat(),
            "headers": dict(raw.headers or {}),
            "message": raw.data.decode("utf-8", errors="replace"),
        }
        await self.broker.publish(
            json.dumps(letter, ensure_ascii=False).encode(),
            subject=dead_letter_subject(stream, consumer),
            headers={MSG_ID_HEADER: f"dlq:{stream}:{consumer}:{metadata.sequence.stream}"},
            stream=DLQ.name,
        )
        log.error(
            "event.dead_lettered",
            subject=raw.subject,
            consumer=consumer,
            delivered=metadata.num_delivered,
            error=letter["error"],
        )


class _RedeliveryMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: RedeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        """Run a JetStream handler; on failure nak with backoff, or dead-letter and ack
        on the last allowed delivery. Core NATS messages pass through untouched."""
        try:
            return await call_next(msg)
        except HandlerException:
            raise
        except Exception as exc:
            # Read only on failure: parsing it for every message cost ~5 % of the consumer
            # path (bench/consumer.py profile, issue 19).
            metadata = _js_metadata(msg)
            if metadata is None:  # core NATS: nothing to redeliver
                raise
            delivered = metadata.num_delivered
            if delivered >= self.policy.max_deliver:
                await self.policy.dead_letter(msg, metadata, exc)
                raise AckMessage() from exc
            delay = self.policy.delay_after(delivered)
            log.warning(
                "event.handler_failed",
                subject=msg.raw_message.subject,
                delivered=delivered,
                retry_in_seconds=delay,
                error=f"{type(exc).__name__}: {exc}",
            )
            raise NackMessage(delay=delay) from exc


# --- dead letters -------------------------------------------------------------------------


async def dead_letters(broker: NatsBroker, *, limit: int = 100) -> list[dict[str, Any]]:
    """The dead letters still parked in `DLQ`, oldest first, each with its sequence as id."""
    js = broker.connection.jetstream()
    info = await js.stream_info(DLQ.name)
    found: list[dict[str, Any]] = []
    sequence = info.state.first_seq
    while sequence and sequence <= info.state.last_seq and len(found) < limit:
        try:
            raw = await js.get_msg(DLQ.name, seq=sequence)
        except NotFoundError:  # deleted after a replay
            sequence += 1
            continue
        letter = json.loads(raw.data or b"{}")
        found.append({"id": str(sequence), "subject": raw.subject, **letter})
        sequence += 1
    return found


async def replay_dead_letter(broker: NatsBroker, letter_id: int) -> dict[str, Any] | None:
    """Publish the original message again to its subject, then drop it from `DLQ`.

    Every consumer of the subject receives it again; those that had handled it skip it
    by its event id, the one that failed gets another chance."""
    js = broker.connection.jetstream()
    try:
        raw = await js.get_msg(DLQ.name, seq=letter_id)
    except NotFoundError:
        return None
    letter = json.loads(raw.data or b"{}")
    headers = {k: v for k, v in (letter.get("headers") or {}).items() if k != MSG_ID_HEADER}
    headers[MSG_ID_HEADER] = (
        f"replay:{letter_id}:{letter.get('headers', {}).get(MSG_ID_HEADER, '')}"
    )
    await js.publish(letter["original_subject"], letter["message"].encode(), headers=headers)
    await js.delete_msg(DLQ.name, letter_id)
    log.info("dead_letter.replayed", letter_id=letter_id, subject=letter["original_subject"])
    return {"id": str(letter_id), **letter}
