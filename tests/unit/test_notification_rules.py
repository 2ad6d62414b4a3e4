from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.notifications import domain, messages
from services.notifications.domain import Channel, Contact, Kind, Preferences, QuietHours
from shared.contracts.base import Locale
from shared.localtime import HCMC


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of Asia/Ho_Chi_Minh's wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=HCMC)


def contact(locale: Locale = Locale.VI, phone: str | None = None) -> Contact:
    return Contact("u1", "lan@example.vn", "Nguyễn Thị Lan", "founder", locale, phone=phone)


def test_quiet_hours_hold_email_until_morning_unless_urgent() -> None:
    quiet = QuietHours()
    assert domain.send_at(local(2026, 11, 28, 23, 0), quiet, urgent=False) == local(
        2026, 11, 29, 7, 0
    )
    assert domain.send_at(local(2026, 11, 28, 5, 0), quiet, urgent=False) == local(
        2026, 11, 28, 7, 0
    )
    assert domain.send_at(local(2026, 11, 28, 23, 0), quiet, urgent=True) == local(
        2026, 11, 28, 23, 0
    )
    assert domain.send_at(local(2026, 11, 28, 9, 0), quiet, urgent=False) == local(
        2026, 11, 28, 9, 0
    )


def test_deliveries_follow_preferences_and_the_inbox_cannot_be_turned_off() -> None:
    note = messages.compose(Kind.WELCOME, contact(), event_id="e1", at=local(2026, 11, 28, 9, 0))
    default = domain.deliveries(note, contact(), Preferences(), local(2026, 11, 28, 9, 0))
    assert [d.channel for d in default] == [Channel.EMAIL]
    off = Preferences(choices={"welcome": {"email": False, "sms": True}})
    assert off.wants(Kind.WELCOME, Channel.INBOX)
    with_phone = contact(phone="+84912345678")
    chosen = domain.deliveries(note, with_phone, off, local(2026, 11, 28, 9, 0))
    assert [d.channel for d in chosen] == [Channel.SMS]


def test_digest_gathers_non_urgent_email_for_the_evening() -> None:
    note = messages.compose(
        Kind.STARTUP_VERIFIED, contact(), event_id="e", at=local(2026, 11, 28, 9, 0), startup="A"
    )
    [planned] = domain.deliveries(
        note, contact(), Preferences(digest=True), local(2026, 11, 28, 9, 0)
    )
    assert planned.digest
    assert planned.due_at == local(2026, 11, 28, 18, 0)


def test_one_id_per_event_recipient_and_channel() -> None:
    a = domain.notification_id("e1", "u1", Channel.EMAIL)
    assert a == domain.notification_id("e1", "u1", Channel.EMAIL)
    assert a != domain.notification_id("e1", "u1", Channel.INBOX)
    assert a != domain.notification_id("e2", "u1", Channel.EMAIL)


def test_retries_back_off_then_give_up() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    waits = [domain.retry_at(now, n) for n in range(1, 6)]
    assert waits[0] == now + timedelta(minutes=1)
    assert waits[3] == now + timedelta(hours=2)
    assert waits[4] is None


def test_templates_in_vietnamese_and_english_with_dates_dd_mm_yyyy() -> None:
    at = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 29/11 in Ho Chi Minh City
    vi = messages.compose(
        Kind.STARTUP_VERIFIED, contact(), event_id="e", at=at, startup="Đổi Mới Xanh"
    )
    assert vi.title == "Dự án “Đổi Mới Xanh” đã được xác minh"
    assert "29/11/2026" in vi.body
    en = messages.compose(
        Kind.STARTUP_VERIFIED, contact(Locale.EN), event_id="e", at=at, startup="Đổi Mới Xanh"
    )
    assert en.title == "“Đổi Mới Xanh” has been verified"


def test_the_plans_reporting_calendar() -> None:
    deadlines = domain.report_deadlines(date(2026, 5, 1), date(2026, 12, 31))
    found = [(d.due, d.kind, d.period) for d in deadlines]
    assert (date(2026, 6, 5), "monthly", "2026-05") in found
    assert (date(2026, 6, 10), "half_year", "2026-H1") in found
    assert (date(2026, 11, 10), "annual", "2026") in found
    assert (date(2026, 12, 5), "monthly", "2026-11") in found
    assert len(found) == 8 + 2
    reminder = domain.reminder_time(deadlines[0])
    assert reminder == datetime.combine(
        deadlines[0].due - timedelta(days=3), time(8, 0), tzinfo=HCMC
    )


def test_competition_templates_read_well_in_both_outcomes() -> None:
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    recognised = messages.compose(
        Kind.INITIATIVE_DECIDED,
        contact(),
        event_id="e",
        at=at,
        initiative="Sổ tay số",
        recognised=True,
        scope="unit",  # the code the event carries; people read its label
        reasons="",
        votes_for=5,
        council_size=7,
    )
    assert recognised.title == "Sáng kiến “Sổ tay số” được công nhận"
    assert "phạm vi ảnh hưởng cấp cơ sở (5/7 phiếu tán thành)" in recognised.body
    refused = messages.compose(
        Kind.INITIATIVE_DECIDED,
        contact(),
        event_id="e",
        at=at,
        initiative="Sổ tay số",
        recognised=False,
        scope="",
        reasons="chưa áp dụng thực tế",
        votes_for=2,
        council_size=7,
    )
    assert refused.title == "Sáng kiến “Sổ tay số” chưa được công nhận"
    assert refused.body.endswith("Lý do: chưa áp dụng thực tế.")
    results = messages.compose(
        Kind.RESULTS_PUBLISHED,
        contact(),
        event_id="e",
        at=at,
        competition="Khởi nghiệp trẻ 2026",
        entry="Rau Sạch",
        rank=2,
        total=9,
    )
    assert "xếp hạng 2/9" in results.body


def test_each_role_is_welcomed_to_its_own_work() -> None:
    """Issue 14: a mentor or a judge was welcomed with the founder's text."""
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    bodies = {}
    for role in ("founder", "mentor", "association_staff", "organizer", "school_advisor", "judge"):
        person = Contact("u1", "lan@example.vn", "Nguyễn Thị Lan", role, Locale.VI)
        bodies[role] = messages.compose(Kind.WELCOME, person, event_id="e", at=at).body
    assert len(set(bodies.values())) == len(bodies)
    assert "đăng ký ý tưởng" in bodies["founder"]
    assert "lịch rảnh" in bodies["mentor"]
    assert "chấm" in bodies["judge"]


def test_a_ward_name_is_written_once() -> None:
    """Issue 14: staff read "phường Phường An Nhơn"."""
    notice = messages.compose(
        Kind.STARTUP_AWAITS_VERIFICATION,
        contact(),
        event_id="e",
        at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        startup="Trà Gò Vấp",
        ward="Phường An Nhơn",
        sector="Nông nghiệp",
    )
    assert "Phường An Nhơn" in notice.body
    assert "phường phường" not in notice.body.lower()


def test_a_welcome_goes_out_during_quiet_hours_but_news_waits() -> None:
    """Issue 14: a welcome at 04:50 was held until 07:00 although the person asked for it."""
    at = local(2026, 11, 28, 4, 50)
    prefs = domain.Preferences()
    welcome = messages.compose(Kind.WELCOME, contact(), event_id="w", at=at)
    news = messages.compose(
        Kind.STARTUP_VERIFIED, contact(), event_id="n", at=at, startup="Một", reason=""
    )
    [welcome_mail] = domain.deliveries(welcome, contact(), prefs, at)
    [news_mail] = domain.deliveries(news, contact(), prefs, at)
    assert welcome_mail.due_at == at
    assert news_mail.due_at == local(2026, 11, 28, 7, 0)


def test_consultation_topics_are_written_as_their_labels() -> None:
    """Issue 14: staff read "tư vấn về: funding"; a free topic stays as typed."""
    from shared.i18n import enum_label

    notice = messages.compose(
        Kind.CONSULTATION_REQUESTED,
        contact(),
        event_id="e",
        at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        startup="Trà Gò Vấp",
        topics=["funding", "xuất khẩu trà"],
    )
    assert f"{enum_label('Need', 'funding', 'vi')}, xuất khẩu trà" in notice.body
    assert "funding" not in notice.body


def test_a_mentor_is_told_of_the_rating_they_received() -> None:
    mentor = Contact("m1", "ha@example.vn", "Nguyễn Thị Thu Hà", "mentor", Locale.EN)
    notice = messages.compose(
        Kind.FEEDBACK_RECEIVED,
        mentor,
        event_id="e",
        at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        founder="Lê Minh Châu",
        rating=5,
    )
    assert notice.title == "New feedback on your consultation"
    assert "Lê Minh Châu rated the session you held: 5/5" in notice.body
