"""Reminders and the digest over Telegram: catch-up at start-up, no duplicates across
restarts, the reminder's buttons, ownership. Time is moved by hand, never waited for."""

from __future__ import annotations

from datetime import timedelta

from clocks import MovableClock
from telegram_harness import ADMIN, OFFICER, OFFICER2, Harness
from test_telegram_flows import only, start_communication

from bot.telegram.jobs import Scheduler


async def log_letter(
    h: Harness, user: int = OFFICER, sent: str = "15/03/2017", number: int = 1
) -> None:
    """Log a letter, and its publication at once, so that only the reply's reminders come
    (publication reminders are tested in test_alerts.py)."""
    p = h.person(user)
    await start_communication(p)
    await p.tap("AL allegation letter")
    for answer in ("Burundi", sent, "WGAD"):
        await p.say(answer)
    await p.tap(f"AL BDI {number}/{sent[-4:]}")
    for answer in ("Detention of a journalist.", "/skip", "/skip"):
        await p.say(answer)
    card = only(await p.tap("Save"))
    await p.tap("Letter published", card)
    for answer in (sent, "/skip"):
        await p.say(answer)
    await p.tap("Save")


async def run_job(h: Harness, name: str) -> None:
    """Run a scheduled job now, the way the JobQueue would (same callback and context)."""
    assert h.app is not None and h.app.job_queue is not None
    (job,) = h.app.job_queue.get_jobs_by_name(name)
    await job.run(h.app)


def reminders_to(h: Harness, chat_id: int) -> list[str]:
    return [s.text for s in h.stub.sent_to(chat_id) if s.text.startswith("Reminder")]


async def test_jobs_are_scheduled_with_a_grace_time(harness: Harness) -> None:
    assert harness.app is not None and harness.app.job_queue is not None
    names = {j.name for j in harness.app.job_queue.jobs()}
    assert names == {"catch-up", "sweep", "digest", "translated menus"}
    for job in harness.app.job_queue.jobs():
        assert job.job.misfire_grace_time == 6 * 3600 and job.job.coalesce is True


async def test_overdue_reminder_is_sent_at_start_up_once_even_after_restart(
    harness: Harness,
) -> None:
    await log_letter(harness)  # sent 15 March 2017: the reply was due 14 May, yesterday
    await harness.restart()
    await run_job(harness, "catch-up")
    (reminder,) = reminders_to(harness, OFFICER)
    assert reminder.startswith("Reminder · AL BDI 1/2017 (Burundi)")
    assert "Reply due from the addressee: due Sun 14 May 2017 (1 day ago)." in reminder
    keyboard = harness.stub.sent_to(OFFICER)[-1]
    assert [label for label, _ in keyboard.buttons] == [
        "Reply received", "Follow-up letter sent", "Snooze 7 days", "No action needed",
    ]  # fmt: skip
    await harness.restart()
    await run_job(harness, "catch-up")
    await run_job(harness, "sweep")
    assert len(reminders_to(harness, OFFICER)) == 1


async def test_reply_received_button_stops_the_ladder(
    harness: Harness, clock: MovableClock
) -> None:
    await log_letter(harness)
    await run_job(harness, "sweep")
    p = harness.person(OFFICER)
    first = await p.tap("Reply received")
    assert "Question 1 of" in first[-1].text and "reply" in first[-1].text.lower()
    for answer in ("yesterday",):
        await p.say(answer)
    await p.tap("English")
    await p.tap("Substantive")
    await p.tap("No")
    await p.say("/skip")
    await p.say("/skip")
    await p.say("yesterday")  # the reply was published at once: no reminder for that
    await p.tap("Save")
    clock.instant += timedelta(days=60)
    await run_job(harness, "sweep")
    assert len(reminders_to(harness, OFFICER)) == 1


async def test_snooze_delays_the_next_reminder_by_a_week(
    harness: Harness, clock: MovableClock
) -> None:
    await log_letter(harness)
    await run_job(harness, "sweep")
    answer = await harness.person(OFFICER).tap("Snooze 7 days")
    assert "Mon 22 May 2017" in answer[-1].text
    clock.instant += timedelta(days=6)
    await run_job(harness, "sweep")
    assert len(reminders_to(harness, OFFICER)) == 1
    clock.instant += timedelta(days=1)
    await run_job(harness, "sweep")
    assert len(reminders_to(harness, OFFICER)) == 2


async def test_reminder_of_a_revoked_owner_goes_to_the_admins(harness: Harness) -> None:
    await log_letter(harness, user=OFFICER2)
    await harness.person(ADMIN).say(f"/revoke {OFFICER2}")
    await run_job(harness, "sweep")
    assert reminders_to(harness, OFFICER2) == []
    assert len(reminders_to(harness, ADMIN)) == 1


async def test_a_failed_send_is_retried_at_the_next_sweep(harness: Harness) -> None:
    await log_letter(harness)
    harness.stub.fail("sendMessage", 400, "Bad Request: something odd", chat_id=OFFICER)
    await run_job(harness, "sweep")
    assert reminders_to(harness, OFFICER) == []
    await run_job(harness, "sweep")
    assert len(reminders_to(harness, OFFICER)) == 1


async def test_digest_lists_overdue_items_by_owner_once_a_day(
    harness: Harness, clock: MovableClock
) -> None:
    await log_letter(harness)
    await log_letter(harness, user=OFFICER2, sent="18/03/2017", number=2)  # due 17 May
    await run_job(harness, "digest")
    (digest,) = [s.text for s in harness.stub.sent_to(ADMIN) if s.text.startswith("Digest")]
    assert digest.startswith("Digest · Mon 15 May 2017")
    # owners by the name Telegram gave them (the stub's first name is "User ID")
    assert f"User {OFFICER}: 1 overdue, 0 due soon\n  • AL BDI 1/2017: Reply due" in digest
    assert "AL BDI 2/2017: Reply due from the addressee, due Wed 17 May 2017" in digest
    assert f"User {OFFICER2}: 0 overdue, 1 due soon" in digest
    # one message and the full list as a spreadsheet
    assert len(harness.stub.sent_to(ADMIN)) == 1
    (sheet,) = [upload for chat, upload in harness.stub.documents if chat == ADMIN]
    assert sheet.filename == "digest-2017-05-15.xlsx" and sheet.data.startswith(b"PK")
    await run_job(harness, "digest")
    await harness.restart()
    await run_job(harness, "catch-up")
    assert len([s for s in harness.stub.sent_to(ADMIN) if s.text.startswith("Digest")]) == 1


async def test_a_missed_digest_is_caught_up_at_start_up_on_working_days(
    harness: Harness, clock: MovableClock
) -> None:
    assert harness.app is not None
    scheduler: Scheduler = harness.app.bot_data["scheduler"]
    assert scheduler.digest_missed_today()  # Monday 10:00 in Geneva, none sent yet
    clock.instant -= timedelta(hours=2)  # 08:00: before the digest time
    assert not scheduler.digest_missed_today()
    clock.instant += timedelta(days=5, hours=2)  # Saturday
    assert not scheduler.digest_missed_today()
