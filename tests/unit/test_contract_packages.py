"""The RPC contracts of the competitions, mentoring and events services are packages of
modules by sub-domain (each split from one module): no request contract, enum or request
model of theirs may drop out of the places that enumerate contracts (the AsyncAPI documents,
the catalogue's enum labels, the text-edge checks) or lose its handler in its service."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from types import ModuleType

import pytest
from faststream import FastStream
from faststream.nats import NatsBroker
from pydantic import BaseModel

import shared.contracts.rpc.competitions
import shared.contracts.rpc.events
import shared.contracts.rpc.mentoring
from services.competitions.app import build_app as build_competitions
from services.events.app import build_app as build_events
from services.mentoring.app import build_app as build_mentoring
from shared.contracts.base import RpcRequest
from shared.infra.rpc import rpc_responders
from shared.infra.settings import Settings
from tests.unit.test_catalogue import contract_enums
from tests.unit.test_contract_edge import REPLY_SUFFIXES, request_models

#: Every request the competitions service answers on its own subjects, and its contract.
COMPETITIONS_SUBJECTS = {
    "rpc.competitions.assignment.list": "ListAssignments",
    "rpc.competitions.club.get": "GetClub",
    "rpc.competitions.club.list": "ListClubs",
    "rpc.competitions.club.log_activity": "LogActivity",
    "rpc.competitions.club.register": "RegisterClub",
    "rpc.competitions.competition.archive": "ArchiveCompetition",
    "rpc.competitions.competition.create": "CreateCompetition",
    "rpc.competitions.competition.edit": "EditCompetition",
    "rpc.competitions.competition.get": "GetCompetition",
    "rpc.competitions.competition.list": "ListCompetitions",
    "rpc.competitions.competition.publish": "PublishCompetition",
    "rpc.competitions.conflict.declare": "DeclareConflict",
    "rpc.competitions.coverage.get": "GetCoverage",
    "rpc.competitions.entry.list": "ListEntries",
    "rpc.competitions.entry.submit": "SubmitEntry",
    "rpc.competitions.entry.withdraw": "WithdrawEntry",
    "rpc.competitions.figures.get": "CompetitionsFiguresRequest",
    "rpc.competitions.initiative.assign_council": "AssignCouncil",
    "rpc.competitions.initiative.decide": "DecideInitiative",
    "rpc.competitions.initiative.file": "FileInitiative",
    "rpc.competitions.initiative.get": "GetInitiative",
    "rpc.competitions.initiative.list": "ListInitiatives",
    "rpc.competitions.initiative.recognised": "ListRecognisedInitiatives",
    "rpc.competitions.initiative.review": "ReviewInitiative",
    "rpc.competitions.judge.assign": "AssignJudge",
    "rpc.competitions.judge.candidates": "ListJudgeCandidates",
    "rpc.competitions.judging.get": "GetJudging",
    "rpc.competitions.results.get": "GetResults",
    "rpc.competitions.results.publish": "PublishResults",
    "rpc.competitions.round.add": "AddRound",
    "rpc.competitions.round.advance": "AdvanceRound",
    "rpc.competitions.score.submit": "SubmitScores",
}

#: Every request the mentoring service answers on its own subjects (as before the split of
#: the single module), and its contract.
MENTORING_SUBJECTS = {
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

#: Every request the events service answers on its own `rpc.events.` subjects (as before the
#: split), and its contract; the certificates it answers are `shared.contracts.rpc.certificates`.
EVENTS_SUBJECTS = {
    "rpc.events.event.archive": "ArchiveEvent",
    "rpc.events.event.cancel": "CancelEvent",
    "rpc.events.event.close": "CloseEvent",
    "rpc.events.event.create": "CreateEvent",
    "rpc.events.event.get": "GetEvent",
    "rpc.events.event.list": "ListEvents",
    "rpc.events.event.publish": "PublishEvent",
    "rpc.events.event.update": "UpdateEvent",
    "rpc.events.figures.get": "EventsFiguresRequest",
    "rpc.events.registration.cancel": "CancelRegistration",
    "rpc.events.registration.check_in": "CheckIn",
    "rpc.events.registration.create": "Register",
    "rpc.events.registration.list": "ListRegistrations",
    "rpc.events.registration.members": "RegisterMembers",
    "rpc.events.registration.mine": "ListMyRegistrations",
}


@dataclass(frozen=True)
class Split:
    """A contracts package split by sub-domain: its modules, the subjects it pins, the
    service app that answers them, its enums and how many models a caller fills in."""

    package: ModuleType
    modules: list[str]
    subjects: dict[str, str]
    build_app: Callable[[Settings], FastStream]
    enums: set[str]
    filled: int


SPLITS = [
    Split(
        shared.contracts.rpc.competitions,
        ["clubs", "contests", "entries", "figures", "initiatives", "judging", "kinds"],
        COMPETITIONS_SUBJECTS,
        build_competitions,
        {"TieBreak", "Normalisation"},
        45,
    ),
    Split(
        shared.contracts.rpc.mentoring,
        ["consultations", "figures", "kinds", "matches", "mentors", "sessions", "topics"],
        MENTORING_SUBJECTS,
        build_mentoring,
        {"SessionStatus", "Absent"},
        37,
    ),
    Split(
        shared.contracts.rpc.events,
        ["announcements", "attendance", "figures", "kinds", "registrations"],
        EVENTS_SUBJECTS,
        build_events,
        {"Gender"},
        23,
    ),
]
IDS = [split.package.__name__.rsplit(".", 1)[1] for split in SPLITS]


def package_classes(package: ModuleType) -> list[type]:
    """Every class defined (not merely imported) in a module of `package`."""
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}.")
    ]
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def filled_in(classes: list[type]) -> set[type]:
    """The models a caller fills in among `classes`: requests and their bodies, not replies,
    views or generic pages."""
    return {
        c
        for c in classes
        if issubclass(c, BaseModel)
        and not c.__pydantic_generic_metadata__["origin"]
        and not c.__name__.endswith(REPLY_SUFFIXES)
    }


def enumerated_subjects(prefixes: tuple[str, ...]) -> dict[str, str]:
    """The request contracts `shared.infra.asyncapi.request_contracts` finds in a fresh
    interpreter (so only what the enumeration itself imports is seen), subject → class name,
    for the subjects starting with one of `prefixes`."""
    code = (
        "import json\n"
        "from shared.infra.asyncapi import request_contracts\n"
        "print(json.dumps({r.subject: r.__name__ for r in request_contracts()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, str] = json.loads(done.stdout)
    return {subject: name for subject, name in found.items() if subject.startswith(prefixes)}


@pytest.mark.parametrize("split", SPLITS, ids=IDS)
def test_the_package_is_the_sub_domain_modules_and_exports_no_names(split: Split) -> None:
    found = sorted(info.name for info in pkgutil.iter_modules(split.package.__path__))
    assert found == split.modules
    assert not [name for name in vars(split.package) if name[0].isupper()]


def test_a_fresh_interpreter_enumerates_every_request_with_its_subject() -> None:
    found = enumerated_subjects(("rpc.competitions.", "rpc.mentoring.", "rpc.events."))
    assert found == COMPETITIONS_SUBJECTS | MENTORING_SUBJECTS | EVENTS_SUBJECTS


@pytest.mark.parametrize("split", SPLITS, ids=IDS)
def test_the_service_answers_every_subject_of_its_package(split: Split) -> None:
    app = split.build_app(Settings())
    assert isinstance(app.broker, NatsBroker)
    assert set(split.subjects) <= set(rpc_responders(app.broker).routes)


@pytest.mark.parametrize("split", SPLITS, ids=IDS)
def test_every_enum_and_request_model_reaches_the_catalogue_and_the_text_edge(
    split: Split,
) -> None:
    classes = package_classes(split.package)
    enums = {c for c in classes if issubclass(c, Enum)}
    assert {e.__name__ for e in enums} == split.enums
    assert enums <= set(contract_enums())
    requests = {c.__name__ for c in classes if issubclass(c, RpcRequest) and "subject" in vars(c)}
    assert requests == set(split.subjects.values())
    filled = filled_in(classes)
    assert len(filled) >= split.filled
    assert filled <= set(request_models())
