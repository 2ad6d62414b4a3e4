"""Initiatives (sáng kiến) through the gateway: filing, the council and its scoring sheet,
the two-thirds vote, the decision with its scope, the 3-month limit, figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from faststream.nats import NatsBroker

from shared.contracts.base import Envelope, new_id
from shared.contracts.events.identity import UserDeletionRequestedV1
from shared.contracts.rpc.competitions.figures import CompetitionsFiguresRequest
from shared.infra.broker import call, publish_event
from shared.infra.testing import eventually
from tests.integration.test_competitions import API, broker, capi, founder, staff  # noqa: F401


def dossier(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Quy trình số hoá hồ sơ một cửa",
        "authors": [{"name": "Võ Thị Mai", "share": 60}, {"name": "Đặng Quốc Huy", "share": 40}],
        "unit": "UBND phường Gò Vấp",
        "field": "Cải cách hành chính",
        "solution": "Quét và ký số hồ sơ ngay tại quầy một cửa.",
        "novelty": "Trước đây hồ sơ giấy được chuyển tay giữa các bộ phận.",
        "applied_where": "Bộ phận một cửa phường Gò Vấp",
        "applied_since": "2026-01-05",
        "economic_benefit": "Tiết kiệm 120 triệu đồng giấy in mỗi năm.",
        "social_benefit": "Người dân chờ ít hơn một nửa thời gian.",
        "can_spread": True,
        **extra,
    }


async def test_initiative_from_filing_to_recognition(
    capi: httpx.AsyncClient,  # noqa: F811
    broker: NatsBroker,  # noqa: F811
) -> None:
    api = capi
    started = datetime.now(UTC) - timedelta(minutes=1)
    author = await founder(api, "tac.gia@example.vn")
    organizer = await staff(api, "hoi.dong@kinhte.govap.vn", "organizer", "economic_division")
    members = [
        await staff(api, f"thanh.vien{i}@example.vn", "judge", "economic_division")
        for i in range(3)
    ]
    outsider = await staff(api, "ngoai.hoi.dong@example.vn", "judge", "youth_union")

    assert (await api.post(f"{API}/initiatives", json=dossier())).status_code == 401
    shares = dossier(authors=[{"name": "Võ Thị Mai", "share": 60}])
    assert (
        await api.post(f"{API}/initiatives", json=shares, headers=author.headers)
    ).status_code == 422
    protected = await api.post(
        f"{API}/initiatives", json=dossier(ip_protected=True), headers=author.headers
    )
    assert protected.status_code == 422
    filed = await api.post(f"{API}/initiatives", json=dossier(), headers=author.headers)
    assert filed.status_code == 201, filed.text
    iid = filed.json()["id"]
    assert filed.json()["status"] == "filed"
    second = await api.post(
        f"{API}/initiatives", json=dossier(title="Sổ tay điện tử"), headers=author.headers
    )
    other_iid = second.json()["id"]
    # nobody else sees the dossier
    assert (await api.get(f"{API}/initiatives/{iid}", headers=outsider.headers)).status_code == 404

    council = {"member_ids": [m.id for m in members]}
    assert (
        await api.post(f"{API}/initiatives/{iid}/council", json=council, headers=author.headers)
    ).status_code == 403
    not_judges = {"member_ids": [members[0].id, author.id]}
    assert (
        await api.post(
            f"{API}/initiatives/{iid}/council", json=not_judges, headers=organizer.headers
        )
    ).status_code == 422

    async def formed() -> int:
        response = await api.post(
            f"{API}/initiatives/{iid}/council", json=council, headers=organizer.headers
        )
        return response.status_code

    await eventually(formed, until=lambda s: s == 200)
    view = (await api.get(f"{API}/initiatives/{iid}", headers=author.headers)).json()
    assert view["status"] == "under_review"
    today = datetime.now(UTC).date()
    assert date.fromisoformat(view["decision_due"]) > today + timedelta(days=85)
    assert view["deadline_warning"] is False
    assert view["reviews"] is None  # the council's sheets are not the author's to read

    points = {"Tính mới": 25, "Khả năng áp dụng": 24, "Hiệu quả kinh tế – xã hội": 30}
    review = {"points": points, "in_favour": True}
    url = f"{API}/initiatives/{iid}/reviews"
    assert (await api.post(url, json=review, headers=outsider.headers)).status_code == 403
    too_many = {**review, "points": {**points, "Tính mới": 31}}
    assert (await api.post(url, json=too_many, headers=members[0].headers)).status_code == 422
    assert (await api.post(url, json=review, headers=members[0].headers)).status_code == 200

    decision = {"recognised": True, "scope": "city"}
    one_of_three = await api.post(
        f"{API}/initiatives/{iid}/decision", json=decision, headers=organizer.headers
    )
    assert one_of_three.status_code == 409
    assert "hai phần ba" in one_of_three.json()["detail"]
    against = {**review, "in_favour": False, "comment": "Chưa đủ số liệu"}
    assert (await api.post(url, json=against, headers=members[1].headers)).status_code == 200
    assert (await api.post(url, json=review, headers=members[2].headers)).status_code == 200
    bad_scope = {"recognised": True, "scope": "galaxy"}
    assert (
        await api.post(
            f"{API}/initiatives/{iid}/decision", json=bad_scope, headers=organizer.headers
        )
    ).status_code == 422
    decided = await api.post(
        f"{API}/initiatives/{iid}/decision", json=decision, headers=organizer.headers
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "recognised"
    assert decided.json()["votes_for"] == 2
    assert len(decided.json()["reviews"]) == 3
    assert (
        await api.post(
            f"{API}/initiatives/{iid}/decision", json=decision, headers=organizer.headers
        )
    ).status_code == 409

    # refusing needs reasons
    await api.post(
        f"{API}/initiatives/{other_iid}/council", json=council, headers=organizer.headers
    )
    no_reason = {"recognised": False}
    assert (
        await api.post(
            f"{API}/initiatives/{other_iid}/decision", json=no_reason, headers=organizer.headers
        )
    ).status_code == 422
    refused = await api.post(
        f"{API}/initiatives/{other_iid}/decision",
        json={"recognised": False, "reasons": "Giải pháp đã phổ biến tại đơn vị khác"},
        headers=organizer.headers,
    )
    assert refused.json()["status"] == "refused"

    # anyone may read the recognised one, without its authors; the refused one is not there
    public = await api.get(f"{API}/initiatives/recognised")
    assert public.status_code == 200, public.text
    listed = {item["id"]: item for item in public.json()["items"]}
    assert iid in listed and other_iid not in listed
    assert listed[iid]["scope"] == "city" and listed[iid]["decided_at"]
    assert "Võ Thị Mai" not in public.text and "Đặng Quốc Huy" not in public.text
    assert "reviews" not in listed[iid] and "filed_by" not in listed[iid]
    by_scope = await api.get(f"{API}/initiatives/recognised", params={"scope": "ward"})
    assert iid not in {item["id"] for item in by_scope.json()["items"]}
    bad = await api.get(f"{API}/initiatives/recognised", params={"scope": "$where"})
    assert bad.status_code == 422
    page = await api.get("/initiatives")
    assert page.status_code == 200 and "Quy trình số hoá hồ sơ một cửa" in page.text
    assert "Võ Thị Mai" not in page.text

    mine = (await api.get(f"{API}/initiatives", headers=author.headers)).json()
    assert mine["total"] == 2
    assert (await api.get(f"{API}/initiatives", headers=outsider.headers)).json()["total"] == 0

    figures = await call(
        broker,
        CompetitionsFiguresRequest(start=started, end=datetime.now(UTC) + timedelta(minutes=1)),
        timeout=2,
    )
    assert figures.initiatives.filed == 2
    assert figures.initiatives.decided == 2
    assert figures.initiatives.recognised == 1
    assert figures.initiatives.recognised_by_scope == {"city": 1}

    # the author asks for erasure: nothing points back to them, the figures stay true
    deletion = UserDeletionRequestedV1(
        user_id=author.id, request_id=new_id(), requested_at=datetime.now(UTC)
    )
    await publish_event(broker, Envelope.wrap(deletion, aggregate_id=author.id))

    async def theirs() -> int:
        page = await api.get(f"{API}/initiatives", headers=author.headers)
        return int(page.json()["total"])

    await eventually(theirs, until=lambda n: n == 0)
    kept = (await api.get(f"{API}/initiatives/{iid}", headers=organizer.headers)).json()
    assert kept["filed_by"].startswith("erased-") and kept["status"] == "recognised"
