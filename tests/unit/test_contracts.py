"""Envelope round trip and contract validation (no infrastructure)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from shared.contracts.base import Envelope, Event, Role, UnknownEventType
from shared.contracts.events.identity import UserRegisteredV1


def test_envelope_round_trip_keeps_cloudevents_attributes_and_payload() -> None:
    event = UserRegisteredV1(
        user_id="u1", email="lan@example.vn", full_name="Nguyễn Thị Lan", role=Role.FOUNDER
    )
    envelope = Envelope.wrap(event, aggregate_id="u1", correlation_id="c-1")
    wire = envelope.model_dump_json()
    back = Envelope.model_validate_json(wire)
    assert back == envelope
    assert back.specversion == "1.0"
    assert back.type == "identity.user.registered.v1"
    assert back.source == "identity"
    assert back.subject == "u1"
    assert back.dataschema == "v1"
    assert back.correlationid == "c-1"
    assert back.time.tzinfo is not None
    assert uuid.UUID(back.id).version == 7
    assert back.event() == event
    assert back.payload(UserRegisteredV1).full_name == "Nguyễn Thị Lan"


def test_event_ids_are_time_ordered() -> None:
    ids = [Envelope.wrap(_event(), aggregate_id="u").id for _ in range(50)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50


def test_unknown_fields_are_tolerated_and_events_are_frozen() -> None:
    data = {**_event().model_dump(mode="json"), "added_in_a_later_minor": 1}
    event = UserRegisteredV1.model_validate(data)
    with pytest.raises(ValidationError):
        event.email = "other@example.vn"  # type: ignore[misc]


def test_invalid_payload_is_refused() -> None:
    envelope = Envelope.wrap(_event(), aggregate_id="u").model_copy(
        update={"data": {"user_id": "u", "role": "emperor"}}
    )
    with pytest.raises(ValidationError):
        envelope.event()


def test_unknown_event_type_is_reported() -> None:
    envelope = Envelope.wrap(_event(), aggregate_id="u").model_copy(
        update={"type": "identity.user.teleported.v1"}
    )
    with pytest.raises(UnknownEventType):
        envelope.event()


def test_registry_knows_every_event_by_its_subject() -> None:
    assert Event.registry["identity.user.registered.v1"] is UserRegisteredV1
    for subject, model in Event.registry.items():
        assert model.subject == subject
        assert model.__name__.endswith(subject.rsplit(".", 1)[1].upper())


def test_subject_must_follow_the_naming_rule() -> None:
    with pytest.raises(ValueError, match="not <service>"):

        class BadlyNamed(Event):
            subject = "Registry.Startup"


def _event() -> UserRegisteredV1:
    return UserRegisteredV1(user_id="u", email="u@example.vn", full_name="U", role=Role.FOUNDER)
