"""DESIGN §9's "who" column, written out as data: for every endpoint the gateway serves,
the roles that may call it, or `ANYONE`.

Kept apart from the code on purpose: the authorisation-matrix test checks the running
gateway against this table, so a wrong role on a route fails the test. Where §9 and the
gateway disagree, today's behaviour is written here and the difference noted (`§9:`);
endpoints §9 does not list are marked `not in §9`.
"""

from __future__ import annotations

from shared.contracts.base import Role

ANYONE: frozenset[Role] | None = None
SIGNED_IN = frozenset(Role)

FOUNDER = frozenset({Role.FOUNDER})
MENTOR = frozenset({Role.MENTOR})
ORGANIZER = frozenset({Role.ORGANIZER})
JUDGE = frozenset({Role.JUDGE})
ADVISOR = frozenset({Role.SCHOOL_ADVISOR})
ADMIN = frozenset({Role.ADMIN})
# §9's "staff" is the association's staff; the gateway lets admin act as staff too.
STAFF = frozenset({Role.ASSOCIATION_STAFF, Role.ADMIN})
MENTOR_OR_STAFF = MENTOR | STAFF
FOUNDER_OR_STAFF = FOUNDER | STAFF
PARTIES = FOUNDER | MENTOR | STAFF

WHO: dict[str, frozenset[Role] | None] = {
    # ops
    "GET /healthz": ANYONE,
    "GET /readyz": ANYONE,
    "GET /metrics": ANYONE,
    "GET /api/v1/status": ANYONE,
    "GET /asyncapi": ANYONE,
    # auth
    "POST /api/v1/auth/register": ANYONE,
    "POST /api/v1/auth/login": ANYONE,
    "POST /api/v1/auth/refresh": ANYONE,  # §9: signed in; the refresh token is the credential
    "POST /api/v1/auth/logout": SIGNED_IN,
    "GET /api/v1/me": SIGNED_IN,
    "PATCH /api/v1/me": SIGNED_IN,  # not in §9
    "POST /api/v1/me/password": SIGNED_IN,  # not in §9
    "GET /api/v1/me/data": SIGNED_IN,  # not in §9 (personal data export, §7)
    "DELETE /api/v1/me": SIGNED_IN,  # not in §9 (deletion request, §7)
    "POST /api/v1/admin/users": ADMIN,
    "GET /api/v1/admin/deletion-requests": ADMIN,  # not in §9
    # reference: read anyone, write admin
    "GET /api/v1/wards": ANYONE,
    "POST /api/v1/wards": ADMIN,
    "PUT /api/v1/wards/{code}": ADMIN,
    "GET /api/v1/schools": ANYONE,
    "POST /api/v1/schools": ADMIN,
    "PUT /api/v1/schools/{code}": ADMIN,
    "GET /api/v1/sectors": ANYONE,
    "POST /api/v1/sectors": ADMIN,
    "PUT /api/v1/sectors/{code}": ADMIN,
    # registry
    "POST /api/v1/startups": FOUNDER,
    "GET /api/v1/startups": ANYONE,
    "GET /api/v1/startups/{startup_id}": ANYONE,
    "PATCH /api/v1/startups/{startup_id}": FOUNDER_OR_STAFF,  # §9: owner (checked in the service)
    "POST /api/v1/startups/{startup_id}/verify": STAFF,  # §9: association_staff
    "POST /api/v1/startups/{startup_id}/reject": STAFF,  # §9: association_staff
    "POST /api/v1/startups/{startup_id}/status": FOUNDER_OR_STAFF,  # not in §9
    "GET /api/v1/startups/{startup_id}/history": FOUNDER_OR_STAFF,  # §9: owner, staff, admin
    # mentoring
    "POST /api/v1/mentors": MENTOR_OR_STAFF,
    "GET /api/v1/mentors": MENTOR_OR_STAFF,
    "PATCH /api/v1/mentors/{mentor_id}": MENTOR_OR_STAFF,  # not in §9
    "PUT /api/v1/mentors/{mentor_id}/availability": MENTOR_OR_STAFF,
    "POST /api/v1/consultations": FOUNDER,
    "GET /api/v1/consultations": PARTIES,  # not in §9
    "GET /api/v1/consultations/{request_id}": PARTIES,  # not in §9
    "GET /api/v1/consultations/{request_id}/suggestions": STAFF,
    "POST /api/v1/consultations/{request_id}/match": STAFF,
    "POST /api/v1/consultations/batch-match": STAFF,  # not in §9
    "POST /api/v1/matches/{match_id}/accept": MENTOR,
    "POST /api/v1/matches/{match_id}/decline": MENTOR,
    "POST /api/v1/sessions": PARTIES,  # §9: mentor / founder
    "POST /api/v1/sessions/{session_id}/complete": MENTOR_OR_STAFF,  # §9: mentor
    "POST /api/v1/sessions/{session_id}/feedback": FOUNDER,
    # competitions
    "POST /api/v1/competitions": ORGANIZER,
    "GET /api/v1/competitions": ANYONE,
    "GET /api/v1/competitions/{competition_id}": ANYONE,  # not in §9
    "POST /api/v1/competitions/{competition_id}/publish": ORGANIZER,
    "POST /api/v1/competitions/{competition_id}/archive": ORGANIZER,  # not in §9
    "POST /api/v1/competitions/{competition_id}/entries": FOUNDER | ADVISOR,
    "GET /api/v1/competitions/{competition_id}/entries": SIGNED_IN,  # not in §9
    "POST /api/v1/competitions/{competition_id}/judges": ORGANIZER,
    "GET /api/v1/competitions/{competition_id}/judging": ORGANIZER,  # not in §9
    "POST /api/v1/entries/{entry_id}/conflicts": JUDGE,
    "GET /api/v1/judging/assignments": JUDGE,
    "GET /api/v1/judges": ORGANIZER,  # not in §9: choosing a panel by name
    "POST /api/v1/entries/{entry_id}/scores": JUDGE,
    "POST /api/v1/competitions/{competition_id}/results/publish": ORGANIZER,
    "GET /api/v1/competitions/{competition_id}/results": ANYONE,
    # clubs
    "POST /api/v1/clubs": ADVISOR,
    "GET /api/v1/clubs": ANYONE,
    "GET /api/v1/clubs/coverage": ANYONE,
    "GET /api/v1/clubs/{club_id}": ANYONE,  # not in §9
    "POST /api/v1/clubs/{club_id}/activities": ADVISOR,
    # initiatives
    "POST /api/v1/initiatives": SIGNED_IN,
    "GET /api/v1/initiatives": SIGNED_IN,  # not in §9
    "GET /api/v1/initiatives/recognised": ANYONE,  # not in §9: the public list
    "GET /api/v1/initiatives/{initiative_id}": SIGNED_IN,  # not in §9
    "POST /api/v1/initiatives/{initiative_id}/council": ORGANIZER,  # not in §9
    "POST /api/v1/initiatives/{initiative_id}/reviews": JUDGE,
    "POST /api/v1/initiatives/{initiative_id}/decision": ORGANIZER,
    # notifications
    "GET /api/v1/notifications": SIGNED_IN,
    "POST /api/v1/notifications/{notification_id}/read": SIGNED_IN,
    "GET /api/v1/notification-preferences": SIGNED_IN,
    "PUT /api/v1/notification-preferences": SIGNED_IN,
    # reports
    "GET /api/v1/reports/district": ADMIN | ORGANIZER,
    "POST /api/v1/reports/district/lock": ADMIN,  # not in §9
    "GET /api/v1/reports/district/versions": ADMIN | ORGANIZER,  # not in §9
    # dead letters
    "GET /api/v1/admin/dead-letters": ADMIN,
    "POST /api/v1/admin/dead-letters/{letter_id}/replay": ADMIN,
    # events (issue 18): organizer, staff, admin announce and run them (§9)
    "POST /api/v1/events": ORGANIZER | STAFF,
    "GET /api/v1/events": ANYONE,
    "GET /api/v1/events/{event_id}": ANYONE,
    "PATCH /api/v1/events/{event_id}": ORGANIZER | STAFF,  # not in §9
    "POST /api/v1/events/{event_id}/publish": ORGANIZER | STAFF,
    "POST /api/v1/events/{event_id}/cancel": ORGANIZER | STAFF,
    "POST /api/v1/events/{event_id}/close": ORGANIZER | STAFF,  # not in §9
    "POST /api/v1/events/{event_id}/archive": ORGANIZER | STAFF,  # not in §9
    "POST /api/v1/events/{event_id}/registrations": SIGNED_IN,
    "POST /api/v1/events/{event_id}/group-registrations": ORGANIZER | STAFF,  # not in §9
    "DELETE /api/v1/events/{event_id}/registrations/me": SIGNED_IN,
    "GET /api/v1/me/registrations": SIGNED_IN,
    "GET /api/v1/events/{event_id}/registrations": ORGANIZER | STAFF,
    "POST /api/v1/events/{event_id}/check-in": ORGANIZER | STAFF,
    # competitions depth and certificates (issue 17, wave 2 competitions)
    "PATCH /api/v1/competitions/{competition_id}": ORGANIZER,  # not in §9 (draft edits)
    "POST /api/v1/entries/{entry_id}/withdraw": FOUNDER | ADVISOR,  # not in §9
    "POST /api/v1/competitions/{competition_id}/rounds": ORGANIZER,
    "POST /api/v1/competitions/{competition_id}/rounds/{number}/advance": ORGANIZER,
    "GET /api/v1/me/certificates": SIGNED_IN,
    "GET /api/v1/certificates/{code}": ANYONE,
    "GET /api/v1/certificates/{code}.pdf": ANYONE,
    "POST /api/v1/certificates/{code}/revoke": ORGANIZER | STAFF,  # §9: revocable (organizer)
    # sessions, matches and mentors (issue 17, mentoring)
    "GET /api/v1/sessions": PARTIES,
    "GET /api/v1/sessions/{session_id}": PARTIES,
    "POST /api/v1/sessions/{session_id}/cancel": PARTIES,
    "POST /api/v1/sessions/{session_id}/reschedule": PARTIES,
    "POST /api/v1/sessions/{session_id}/no-show": PARTIES,
    "GET /api/v1/matches": PARTIES,
    "GET /api/v1/matches/{match_id}": PARTIES,
    "GET /api/v1/mentors/{mentor_id}": PARTIES,
    # accounts (issue 17): password reset, organizations, administering accounts
    "POST /api/v1/auth/password-reset": ANYONE,
    "POST /api/v1/auth/password-reset/confirm": ANYONE,
    "GET /api/v1/organizations": ANYONE,
    "POST /api/v1/organizations": ADMIN,
    "GET /api/v1/admin/users": ADMIN,
    "PATCH /api/v1/admin/users/{user_id}": ADMIN,
    # organizations edited by the Economic Division (admin): rename, deactivate
    "PUT /api/v1/organizations/{code}": ADMIN,  # not in §9 (like PUT /schools/{code})
}
