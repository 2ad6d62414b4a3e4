"""The competitions contracts are a package of modules by sub-domain; no request contract,
enum or request model of theirs may drop out of the places that enumerate contracts (the
AsyncAPI documents, the catalogue's enum labels, the text-edge checks) or lose its handler
in the competitions service."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from enum import Enum

from faststream.nats import NatsBroker
from pydantic import BaseModel

import shared.contracts.rpc.competitions as package
from services.competitions.app import build_app
from shared.contracts.base import RpcRequest
from shared.infra.rpc import rpc_responders
from shared.infra.settings import Settings
from tests.unit.test_catalogue import contract_enums
from tests.unit.test_contract_edge import REPLY_SUFFIXES, request_models

#: Every request the competitions service answers on its own subjects, and its contract.
SUBJECTS = {
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


def defined_here() -> list[type]:
    """Every class defined in a module of the competitions contracts package."""
    found: list[type] = []
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == info.name
        ]
    return found


def test_every_competitions_request_is_enumerated_with_its_subject() -> None:
    """In a fresh interpreter, so only what the enumeration itself imports is seen."""
    script = (
        "import json\n"
        "from shared.infra.asyncapi import request_contracts\n"
        "print(json.dumps({r.subject: r.__name__ for r in request_contracts()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    found = json.loads(out)
    assert {s: n for s, n in found.items() if s.startswith("rpc.competitions.")} == SUBJECTS


def test_every_competitions_request_has_its_handler_in_the_service() -> None:
    app = build_app(Settings())
    assert isinstance(app.broker, NatsBroker)
    answered = set(rpc_responders(app.broker).routes)
    assert set(SUBJECTS) <= answered


def test_the_catalogue_and_the_text_edge_see_every_enum_and_request_model() -> None:
    classes = defined_here()
    enums = {c for c in classes if issubclass(c, Enum)}
    assert {e.__name__ for e in enums} >= {"TieBreak", "Normalisation"}
    assert enums <= set(contract_enums())
    requests = {c for c in classes if issubclass(c, RpcRequest) and "subject" in vars(c)}
    assert {r.__name__ for r in requests} == set(SUBJECTS.values())
    # What a caller fills in (requests and their bodies; replies and views aside).
    filled = {
        c
        for c in classes
        if issubclass(c, BaseModel)
        and not c.__pydantic_generic_metadata__["origin"]
        and not c.__name__.endswith(REPLY_SUFFIXES)
    }
    assert len(filled) >= 45
    assert filled <= set(request_models())
