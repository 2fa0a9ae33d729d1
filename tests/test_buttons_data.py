"""Button data: every kind packs and unpacks to itself, on the wire format old keyboards
carry; too long is refused where the button is made; anything else unpacks to nothing."""

from __future__ import annotations

import pytest

from workflows.buttons_data import FIELDS, MAX_BYTES, ButtonData, ButtonDataError, Kind, unpack

CASE = "c0123456789"
#: One button of each kind, with the data the bot has always sent for it.
EVERY_KIND = {
    Kind.NEW: (ButtonData(Kind.NEW, name="communication"), "n:communication"),
    Kind.PAGE: (ButtonData(Kind.PAGE, page=3), "p:3"),
    Kind.FIND_PAGE: (ButtonData(Kind.FIND_PAGE, page=0), "fp:0"),
    Kind.REPORT_PERIOD: (ButtonData(Kind.REPORT_PERIOD, value="this year"), "r:p:this year"),
    Kind.REPORT_SCOPE: (ButtonData(Kind.REPORT_SCOPE, value="confidential"), "r:s:confidential"),
    Kind.RULE: (ButtonData(Kind.RULE, value="no"), "ru:no"),
    Kind.LANGUAGE: (ButtonData(Kind.LANGUAGE, value="fr"), "lg:fr"),
    Kind.CARD: (ButtonData(Kind.CARD, CASE), f"c:{CASE}"),
    Kind.START: (
        ButtonData(Kind.START, CASE, name="communication_reply"),
        f"s:{CASE}:communication_reply",
    ),
    Kind.ATTACH: (ButtonData(Kind.ATTACH, CASE), f"f:{CASE}"),
    Kind.EDIT_MENU: (ButtonData(Kind.EDIT_MENU, CASE), f"ed:{CASE}"),
    Kind.DISCARD: (ButtonData(Kind.DISCARD, CASE, 2), f"dc:{CASE}:2"),
    Kind.DISCARD_YES: (
        ButtonData(Kind.DISCARD_YES, CASE, 2, "visit_report"),
        f"dy:{CASE}:2:visit_report",
    ),
    Kind.DELETE: (ButtonData(Kind.DELETE, CASE), f"dd:{CASE}"),
    Kind.DELETE_YES: (ButtonData(Kind.DELETE_YES, CASE), f"dz:{CASE}"),
    Kind.SNOOZE: (ButtonData(Kind.SNOOZE, CASE, name="reply"), f"z:{CASE}:reply"),
    Kind.DISMISS: (ButtonData(Kind.DISMISS, CASE, name="reply"), f"x:{CASE}:reply"),
    Kind.REVIEW: (ButtonData(Kind.REVIEW, CASE, 0), f"rv:{CASE}:0"),
    Kind.EDIT: (ButtonData(Kind.EDIT, CASE, 1, "reply_date"), f"e:{CASE}:1:reply_date"),
    Kind.SAVE: (ButtonData(Kind.SAVE, CASE, 1), f"sv:{CASE}:1"),
    Kind.ANSWER: (
        ButtonData(Kind.ANSWER, CASE, 1, "reply_language", "EN"),
        f"a:{CASE}:1:reply_language:EN",
    ),
}


def test_the_table_covers_every_kind() -> None:
    assert set(EVERY_KIND) == set(Kind) == set(FIELDS)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_packs_to_the_wire_format_and_back(kind: Kind) -> None:
    data, wire = EVERY_KIND[kind]
    assert data.pack() == wire
    assert unpack(wire) == data


def test_an_empty_period_and_a_value_with_colons_round_trip() -> None:
    another = ButtonData(Kind.REPORT_PERIOD)  # "Another period…": typed next
    assert another.pack() == "r:p:"
    assert unpack("r:p:") == another
    timed = ButtonData(Kind.ANSWER, CASE, 0, "when", "10:30")  # only the last field may
    assert unpack(timed.pack()) == timed


def test_64_bytes_pack_and_65_are_refused_where_the_button_is_made() -> None:
    prefix = f"a:{CASE}:1:q:"  # 18 bytes: 46 left
    assert len(prefix) == 18
    fits = ButtonData(Kind.ANSWER, CASE, 1, "q", "é" * 23)  # 23 characters, 46 bytes
    assert len(fits.pack().encode()) == MAX_BYTES == 64
    assert unpack(fits.pack()) == fits
    over = ButtonData(Kind.ANSWER, CASE, 1, "q", "x" + "é" * 23)
    with pytest.raises(ButtonDataError, match="has 65 bytes; Telegram accepts at most 64"):
        over.pack()
    assert unpack(fits.pack() + "x") is None


def test_data_that_does_not_fit_its_kind_is_refused_at_pack_time() -> None:
    with pytest.raises(ButtonDataError, match="CARD buttons carry no run"):
        ButtonData(Kind.CARD, CASE, run=2).pack()
    with pytest.raises(ButtonDataError, match="case is empty"):
        ButtonData(Kind.SAVE, "", 1).pack()
    with pytest.raises(ButtonDataError, match="only the last field"):
        ButtonData(Kind.EDIT, "c1:2", 1, "q").pack()
    with pytest.raises(ButtonDataError, match="negative"):
        ButtonData(Kind.PAGE, page=-1).pack()


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "c",
        "c:",  # no case
        "zz:c1",  # no such kind
        "r:x:all",  # no such report step
        "r:",
        f"rv:{CASE}",  # a field missing
        f"rv:{CASE}:0:extra",  # one too many
        f"rv:{CASE}:-1",
        f"rv:{CASE}:x",
        f"rv:{CASE}:00001",  # five digits
        f"rv:{CASE}:007",  # not what pack makes
        "p:",
        "p:1e3",
        f"e:{CASE}:0:",  # no question
        f"s:{CASE}:",
        "n:",
        f"C:{CASE}",  # codes are case-sensitive
        f"c:{CASE}" + "x" * 60,  # over 64 bytes
        "\x00:\x00",
    ],
)
def test_forged_or_unknown_data_unpacks_to_nothing(forged: str) -> None:
    assert unpack(forged) is None
