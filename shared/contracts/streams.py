"""JetStream streams: one per publishing service, plus the dead-letter stream."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    # Long enough to replay a year so read models can be rebuilt from the stream.
    max_age_seconds: float = 400 * 24 * 3600
    # JetStream drops a republished `Nats-Msg-Id` inside this window.
    duplicate_window_seconds: float = 120.0


IDENTITY = StreamSpec("IDENTITY", ("identity.>",))
REGISTRY = StreamSpec("REGISTRY", ("registry.>",))
MENTORING = StreamSpec("MENTORING", ("mentoring.>",))
COMPETITIONS = StreamSpec("COMPETITIONS", ("competitions.>",))
NOTIFICATIONS = StreamSpec("NOTIFICATIONS", ("notifications.>",))
EVENTS = StreamSpec("EVENTS", ("events.>",))
DLQ = StreamSpec("DLQ", ("dlq.>",))

EVENT_STREAMS: dict[str, StreamSpec] = {
    "identity": IDENTITY,
    "registry": REGISTRY,
    "mentoring": MENTORING,
    "competitions": COMPETITIONS,
    "notifications": NOTIFICATIONS,
    "events": EVENTS,
}
ALL_STREAMS: tuple[StreamSpec, ...] = (*EVENT_STREAMS.values(), DLQ)


def stream_for(subject: str) -> StreamSpec:
    """The stream that holds an event subject (by its first token)."""
    return EVENT_STREAMS[subject.split(".", 1)[0]]


def dead_letter_subject(stream: str, consumer: str) -> str:
    return f"dlq.{stream.lower()}.{consumer}"
