"""A version number larger than the database's 64-bit integers is refused with a 422 naming
the field, never a 500 (found by the schema fuzzer on PUT /sectors/{code})."""

from __future__ import annotations

import httpx

from tests.integration.test_reference_data import admin_headers

API = "/api/v1"
HUGE = 3 * 10**33


async def test_a_huge_version_is_a_422_and_changes_nothing(api: httpx.AsyncClient) -> None:
    headers = await admin_headers(api)
    before = (await api.get(f"{API}/sectors")).json()
    sector = next(item for item in before["items"] if item["code"] == "agriculture")
    answer = await api.put(
        f"{API}/sectors/agriculture",
        json={"name_vi": "Nông nghiệp", "name_en": "Agriculture", "version": HUGE},
        headers=headers,
    )
    assert answer.status_code == 422, answer.text
    assert "version" in answer.text
    after = (await api.get(f"{API}/sectors")).json()
    assert next(i for i in after["items"] if i["code"] == "agriculture") == sector
