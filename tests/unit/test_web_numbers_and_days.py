"""Numbers and days as the page's language writes them (QA finding 16): the dashboard's
tables ("12,5 %", "7,55" in Vietnamese) and days as dd/mm/yyyy in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.gateway.web.charts import shown
from services.gateway.web.rendering import local_day


def test_chart_tables_write_numbers_in_the_pages_language() -> None:
    assert shown(0.125, True, "vi") == "12,5 %"
    assert shown(0.125, True, "en") == "12.5%"
    assert shown(7.55, False, "vi") == "7,55"
    assert shown(7.55, False, "en") == "7.55"
    assert shown(12.0, False, "vi") == "12"


def test_days_read_dd_mm_yyyy() -> None:
    assert local_day("2022-01-01") == "01/01/2022"
    assert local_day(date(2026, 12, 2)) == "02/12/2026"
    # 1 December 20:00 UTC is already 2 December in Gò Vấp.
    assert local_day(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)) == "02/12/2026"
    assert local_day("2026-12-01T20:00:00+00:00") == "02/12/2026"
    assert local_day(None) == "" and local_day("không rõ") == "không rõ"
