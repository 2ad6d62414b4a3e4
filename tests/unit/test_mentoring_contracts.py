"""The mentoring contracts are a package of modules by sub-domain (mentors, consultations,
matches, sessions, figures); no request contract, enum or request model of theirs may drop out
of the places that enumerate contracts (the AsyncAPI documents, the catalogue's enum labels,
the text-edge checks) or lose its handler in the mentoring service."""

from __future__ import annotations

import pkgutil
from enum import Enum

from faststream.nats import NatsBroker

import shared.contracts.rpc.mentoring as package
from services.mentoring.app import build_app
from shared.contracts.base import RpcRequest
from shared.infra.rpc import rpc_responders
from shared.infra.settings import Settings
from tests.unit.contract_packages import enumerated_subjects, filled_in, package_classes
from tests.unit.test_catalogue import contract_enums
from tests.unit.test_contract_edge import request_models

#: Every request the mentoring service answers on its own subjects (as before the split of
#: the single module), and its contract.
SUBJECTS = {
    "rpc.mentoring.availability.set": "SetAvailability",
    "rpc.mentoring.figures.get": "MentoringFiguresRequest",
    "rpc.mentoring.match.answer": "AnswerMatch",
    "rpc.mentoring.match.batch": "BatchMatch",
    "rpc.mentoring.match.get": "GetMatch",
    "rpc.mentoring.match.list": "ListMatches",
    "rpc.mentoring.match.propose": "ProposeMatch",
    "rpc.mentoring.mentor.busy": "GetMentorBusy",
    "rpc.mentoring.mentor.get": "GetMentor",
    "rpc.mentoring.mentor.list": "ListMentors",
    "rpc.mentoring.mentor.save": "SaveMentor",
    "rpc.mentoring.mentor.update": "UpdateMentor",
    "rpc.mentoring.request.get": "GetConsultation",
    "rpc.mentoring.request.list": "ListConsultations",
    "rpc.mentoring.request.open": "OpenConsultation",
    "rpc.mentoring.request.suggest": "SuggestMentors",
    "rpc.mentoring.session.cancel": "CancelSession",
    "rpc.mentoring.session.complete": "CompleteSession",
    "rpc.mentoring.session.feedback": "RecordFeedback",
    "rpc.mentoring.session.get": "GetSession",
    "rpc.mentoring.session.list": "ListSessions",
    "rpc.mentoring.session.no_show": "MarkNoShow",
    "rpc.mentoring.session.reschedule": "RescheduleSession",
    "rpc.mentoring.session.schedule": "ScheduleSession",
}

_MODULES = ["consultations", "figures", "kinds", "matches", "mentors", "sessions", "topics"]


def test_the_package_is_the_sub_domain_modules_and_exports_no_names() -> None:
    assert sorted(info.name for info in pkgutil.iter_modules(package.__path__)) == _MODULES
    assert not [name for name in vars(package) if name[0].isupper()]


def test_a_fresh_interpreter_enumerates_every_mentoring_request_with_its_subject() -> None:
    assert enumerated_subjects("rpc.mentoring.") == SUBJECTS


def test_the_mentoring_app_answers_every_mentoring_subject() -> None:
    app = build_app(Settings())
    assert isinstance(app.broker, NatsBroker)
    assert set(SUBJECTS) <= set(rpc_responders(app.broker).routes)


def test_every_enum_and_request_model_reaches_the_catalogue_and_the_text_edge() -> None:
    classes = package_classes(package)
    enums = {c for c in classes if issubclass(c, Enum)}
    assert {e.__name__ for e in enums} == {"SessionStatus", "Absent"}
    assert enums <= set(contract_enums())
    requests = {c.__name__ for c in classes if issubclass(c, RpcRequest) and "subject" in vars(c)}
    assert requests == set(SUBJECTS.values())
    filled = filled_in(classes)
    assert len(filled) >= 37
    assert filled <= set(request_models())
