"""A forged "start checklist" button cannot add a second intake run to an open case.

The case card offers update and closure checklists only; the intake is the case's first
run. Pressing `s:CASE:communication_intake` by hand (the owner or an admin may edit the
case, so access control lets the tap through) used to append a second intake run, whose
answers then competed with the first for the reference, the dates and the deadlines.
The bot runs in this process (the real Application, through HTTP to the stand-in).
"""

from __future__ import annotations

from telegram_harness import ADMIN, OFFICER, Harness, log_letter

from storage import layout

OUT_OF_DATE = "That button is out of date."


async def test_a_forged_intake_button_adds_no_run(tg: Harness) -> None:
    await log_letter(tg.person(OFFICER))
    assert tg.repo is not None
    (entry,) = tg.repo.list_cases()
    case_id = entry["id"]
    before = layout.case_path(tg.data_dir, case_id).read_bytes()
    for user in (OFFICER, ADMIN):
        said = await tg.person(user).tap_data(f"s:{case_id}:communication_intake")
        assert [m.text for m in said] == [OUT_OF_DATE]
    assert layout.case_path(tg.data_dir, case_id).read_bytes() == before
    case = tg.repo.get_case(case_id)
    assert case is not None
    assert [r["checklist"] for r in case["runs"]] == ["communication_intake"]
    # The genuine buttons still work: an update checklist starts.
    said = await tg.person(OFFICER).tap_data(f"s:{case_id}:communication_reply")
    assert "When was the reply received?" in said[-1].text
