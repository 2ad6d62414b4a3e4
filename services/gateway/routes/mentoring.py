"""The Startup Consultation Point, served by the mentoring service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from services.gateway.access import STAFF, allow
from services.gateway.deps import Id, Paging, Rpc
from shared.contracts.base import Role
from shared.contracts.rpc.mentoring.consultations import (
    ConsultationDraft,
    ConsultationPage,
    ConsultationView,
    GetConsultation,
    ListConsultations,
    OpenConsultation,
)
from shared.contracts.rpc.mentoring.kinds import Id as ContractId
from shared.contracts.rpc.mentoring.matches import (
    AnswerMatch,
    BatchMatch,
    BatchResult,
    GetMatch,
    ListMatches,
    MatchPage,
    MatchView,
    ProposeMatch,
    Suggestions,
    SuggestMentors,
)
from shared.contracts.rpc.mentoring.mentors import (
    Availability,
    GetMentor,
    ListMentors,
    MentorChanges,
    MentorPage,
    MentorProfile,
    MentorView,
    SaveMentor,
    SetAvailability,
    UpdateMentor,
)
from shared.contracts.rpc.mentoring.sessions import (
    Cancellation,
    CancelSession,
    CompleteSession,
    Completion,
    FeedbackDraft,
    GetSession,
    ListSessions,
    MarkNoShow,
    NoShow,
    RecordFeedback,
    RescheduleSession,
    Rescheduling,
    ScheduleSession,
    SessionDraft,
    SessionPage,
    SessionStatus,
    SessionView,
)

MENTOR_OR_STAFF = allow(Role.MENTOR, Role.ASSOCIATION_STAFF, Role.ADMIN)
PARTIES = allow(Role.FOUNDER, Role.MENTOR, Role.ASSOCIATION_STAFF, Role.ADMIN)
router = APIRouter(tags=["mentoring"])


class MatchChoice(BaseModel):
    """The mentor to propose for a request."""

    mentor_id: ContractId


class BatchChoice(BaseModel):
    """The open requests to match at once; all open ones if omitted."""

    request_ids: list[ContractId] | None = Field(
        None, max_length=2000, description="Open requests to assign; all open ones if omitted"
    )


@router.post("/mentors", dependencies=[MENTOR_OR_STAFF], status_code=status.HTTP_201_CREATED)
async def create_mentor(body: MentorProfile, rpc: Rpc) -> MentorView:
    """A mentor's expertise profile (a mentor for themself; staff for a mentor account)."""
    return await rpc.call(SaveMentor(profile=body))


@router.get("/mentors", dependencies=[MENTOR_OR_STAFF])
async def list_mentors(
    rpc: Rpc,
    paging: Paging,
    topic: Annotated[str | None, Query(max_length=40)] = None,
) -> MentorPage:
    """Mentors, optionally with one topic of expertise."""
    return await rpc.call(ListMentors(topic=topic, **paging.model_dump()))


@router.get("/mentors/{mentor_id}", dependencies=[PARTIES])
async def get_mentor(mentor_id: Id, rpc: Rpc) -> MentorView:
    """One mentor's profile: for mentors, staff and founders matched with that mentor."""
    return await rpc.call(GetMentor(mentor_id=mentor_id))


@router.patch("/mentors/{mentor_id}", dependencies=[MENTOR_OR_STAFF])
async def update_mentor(mentor_id: Id, body: MentorChanges, rpc: Rpc) -> MentorView:
    """Edit the profile, pause (no new suggestions, matches kept) or deactivate."""
    return await rpc.call(UpdateMentor(mentor_id=mentor_id, changes=body))


@router.put("/mentors/{mentor_id}/availability", dependencies=[MENTOR_OR_STAFF])
async def set_availability(mentor_id: Id, body: Availability, rpc: Rpc) -> MentorView:
    """Weekly slots in Asia/Ho_Chi_Minh (weekday 0 = Monday)."""
    return await rpc.call(SetAvailability(mentor_id=mentor_id, availability=body))


@router.post(
    "/consultations", dependencies=[allow(Role.FOUNDER)], status_code=status.HTTP_201_CREATED
)
async def open_consultation(body: ConsultationDraft, rpc: Rpc) -> ConsultationView:
    """A founder asks the Consultation Point for advice on one of their startups."""
    return await rpc.call(OpenConsultation(draft=body))


@router.get("/consultations", dependencies=[PARTIES])
async def list_consultations(
    rpc: Rpc,
    paging: Paging,
    status: Annotated[str | None, Query(pattern="^(open|proposed|matched)$")] = None,
) -> ConsultationPage:
    """The requests you may see: your own, those matched to you, or all for staff."""
    request = ListConsultations(status=status, **paging.model_dump())
    return await rpc.call(request)


@router.post("/consultations/batch-match", dependencies=[STAFF])
async def batch_match(rpc: Rpc, body: BatchChoice | None = None) -> BatchResult:
    """Propose mentors for many open requests at once, maximising the total score within
    every mentor's remaining capacity."""
    ids = body.request_ids if body else None
    return await rpc.call(BatchMatch(request_ids=ids))


@router.get("/consultations/{request_id}", dependencies=[PARTIES])
async def get_consultation(request_id: Id, rpc: Rpc) -> ConsultationView:
    """One consultation request; 403 for anyone but its founder, its mentor and staff."""
    return await rpc.call(GetConsultation(request_id=request_id))


@router.get("/consultations/{request_id}/suggestions", dependencies=[STAFF])
async def suggestions(
    request_id: Id, rpc: Rpc, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> Suggestions:
    """Mentors ranked by a score in [0, 1], each with the reasons behind it."""
    return await rpc.call(SuggestMentors(request_id=request_id, limit=limit))


@router.post(
    "/consultations/{request_id}/match",
    dependencies=[STAFF],
    status_code=status.HTTP_201_CREATED,
)
async def propose_match(request_id: Id, body: MatchChoice, rpc: Rpc) -> MatchView:
    """Propose a mentor for an open request; 409 when the request is not open."""
    return await rpc.call(ProposeMatch(request_id=request_id, mentor_id=body.mentor_id))


@router.get("/matches", dependencies=[PARTIES])
async def list_matches(
    rpc: Rpc,
    paging: Paging,
    status: Annotated[str | None, Query(pattern="^(proposed|accepted|declined)$")] = None,
) -> MatchPage:
    """The matches you are party to (all for staff), newest first."""
    return await rpc.call(ListMatches(status=status, **paging.model_dump()))


@router.get("/matches/{match_id}", dependencies=[PARTIES])
async def get_match(match_id: Id, rpc: Rpc) -> MatchView:
    """One match; 403 for anyone but its mentor, its founder and staff."""
    return await rpc.call(GetMatch(match_id=match_id))


@router.post("/matches/{match_id}/accept", dependencies=[allow(Role.MENTOR)])
async def accept_match(match_id: Id, rpc: Rpc) -> MatchView:
    """The proposed mentor accepts; the request is matched."""
    return await rpc.call(AnswerMatch(match_id=match_id, accept=True))


@router.post("/matches/{match_id}/decline", dependencies=[allow(Role.MENTOR)])
async def decline_match(match_id: Id, rpc: Rpc) -> MatchView:
    """Declining reopens the request; this mentor is not suggested for it again."""
    return await rpc.call(AnswerMatch(match_id=match_id, accept=False))


@router.post("/sessions", dependencies=[PARTIES], status_code=status.HTTP_201_CREATED)
async def schedule_session(body: SessionDraft, rpc: Rpc) -> SessionView:
    """Inside the mentor's availability; overlapping the mentor or the startup is 409."""
    return await rpc.call(ScheduleSession(draft=body))


@router.get("/sessions", dependencies=[PARTIES])
async def list_sessions(
    rpc: Rpc,
    paging: Paging,
    mentor_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    startup_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: SessionStatus | None = None,
    starts_from: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
    starts_before: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
) -> SessionPage:
    """Your sessions as founder or mentor (all for staff), earliest first; filter by
    mentor, startup, status and a start range [starts_from, starts_before)."""
    request = ListSessions(
        mentor_id=mentor_id,
        startup_id=startup_id,
        status=status,
        starts_from=starts_from,
        starts_before=starts_before,
        **paging.model_dump(),
    )
    return await rpc.call(request)


@router.get("/sessions/{session_id}", dependencies=[PARTIES])
async def get_session(session_id: Id, rpc: Rpc) -> SessionView:
    """One session; 403 for anyone but its mentor, its founder and staff."""
    return await rpc.call(GetSession(session_id=session_id))


@router.post("/sessions/{session_id}/cancel", dependencies=[PARTIES])
async def cancel_session(session_id: Id, body: Cancellation, rpc: Rpc) -> SessionView:
    """Either party calls off a session that has not started, with a reason; the other
    party and staff are told, and the time is free again."""
    return await rpc.call(CancelSession(session_id=session_id, cancellation=body))


@router.post("/sessions/{session_id}/reschedule", dependencies=[PARTIES])
async def reschedule_session(session_id: Id, body: Rescheduling, rpc: Rpc) -> SessionView:
    """Move a session: the old one is cancelled and the new one booked in one step, under
    the booking rules; answers the new session."""
    return await rpc.call(RescheduleSession(session_id=session_id, rescheduling=body))


@router.post("/sessions/{session_id}/no-show", dependencies=[PARTIES])
async def session_no_show(session_id: Id, body: NoShow, rpc: Rpc) -> SessionView:
    """Record who did not come, once the session has started."""
    return await rpc.call(MarkNoShow(session_id=session_id, no_show=body))


@router.post("/sessions/{session_id}/complete", dependencies=[MENTOR_OR_STAFF])
async def complete_session(session_id: Id, body: Completion, rpc: Rpc) -> SessionView:
    """The session's mentor logs its outcome once it has started; 409 before it starts or
    when it is no longer scheduled."""
    return await rpc.call(CompleteSession(session_id=session_id, completion=body))


@router.post("/sessions/{session_id}/feedback", dependencies=[allow(Role.FOUNDER)])
async def session_feedback(session_id: Id, body: FeedbackDraft, rpc: Rpc) -> SessionView:
    """The founder rates the session 1–5, once."""
    return await rpc.call(RecordFeedback(session_id=session_id, feedback=body))
