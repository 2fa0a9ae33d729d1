"""/find: accent- and case-insensitive search that respects access and confidentiality."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture import OFFICER_A, OFFICER_B, VICTIMS, cases

from storage.repository import INDEX_FIELDS
from storage.tinydb_repo import open_repository
from workflows.cases.search import search

ADMIN = {"id": "1", "role": "admin"}
VIEWER = {"id": "4", "role": "viewer"}
OWNER_A = {"id": OFFICER_A, "role": "officer"}
OWNER_B = {"id": OFFICER_B, "role": "officer"}


def refs(text: str, user: dict[str, str] = ADMIN, private_chat: bool = False) -> set[str]:
    found = search(cases(), text, user, private_chat=private_chat)
    return {e["reference"] or e["label"] for e in found}


def test_state_by_name_code_and_the_name_staff_type() -> None:
    burundi = {"AL BDI 1/2017", "UA BDI 2/2017", "AL BDI 3/2017", "AL BDI 4/2017"}
    assert refs("Burundi") == refs("bdi") == refs("BURUNDI") == burundi
    turkiye = {"UA TUR 2/2016", "UA TUR 3/2016", "AL TUR 1/2017", "AL TUR 2/2017",
               "Visit to Türkiye"}  # fmt: skip
    assert refs("turkiye") == refs("Turkey") == turkiye
    assert refs("cote d'ivoire") == refs("Ivory Coast") == {"AL CIV 1/2017"}


def test_other_actor_by_any_part_of_its_name_without_accents() -> None:
    assert refs("societe miniere") == {"OL OTH 1/2017", "OL OTH 2/2017"}
    assert refs("ACMÉ") == {"OL OTH 1/2017", "OL OTH 2/2017"}
    assert refs("total energies") == {"OL OTH 3/2017"}  # its own letter of #5's group


def test_a_full_reference_finds_that_case_only_however_typed() -> None:
    assert refs("al chn 1/2017") == {"AL CHN 1/2017"}
    assert refs("AL  CHN 1/2016") == {"AL CHN 1/2016"}
    assert refs("AL-CHN-01/2017") == refs("alchn1 / 2017") == {"AL CHN 1/2017"}


def test_an_earlier_reference_kept_as_alias_finds_every_letter_that_has_it() -> None:
    """An upgraded folder keeps "JOL MMR 1/2017" on both letters it was split into."""
    data = cases()
    for case in data:
        if case["reference"] in ("OL MMR 1/2017", "OL OTH 3/2017"):
            case["aliases"] = ["JOL MMR 1/2017"]
    found = search(data, "jol mmr 1/2017", ADMIN)
    assert {e["reference"] for e in found} == {"OL MMR 1/2017", "OL OTH 3/2017"}


def test_summaries_themes_and_word_prefixes() -> None:
    assert len(refs("allegations")) == 45  # every summary says "Allegations in ..."
    assert refs("defenders") == {"UA BDI 2/2017", "UA HND 2/2017"}  # theme "hrd" by label
    assert refs("burundi defend") == {"UA BDI 2/2017"}  # all words must match


def test_reprisal_lists_flagged_cases_the_user_may_see() -> None:
    flagged = {"AL CHN 5/2016", "UA BDI 2/2017", "AL CHN 2/2017", "UA PHL 1/2017",
               "Visit to Brazil", "Visit to Myanmar"}  # fmt: skip
    assert refs("reprisal") == refs("Reprisals") == flagged
    # Officer A owns #1-#17, P1-P4 and V1-V4: not PHL's.
    assert refs("reprisal", OWNER_A) == flagged - {"UA PHL 1/2017"}


def test_officers_find_only_their_own_cases() -> None:
    assert refs("Burundi", OWNER_B) == set()
    assert refs("Burundi", VIEWER) == {
        "AL BDI 1/2017", "UA BDI 2/2017", "AL BDI 3/2017", "AL BDI 4/2017",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("user", "private", "found"),
    [
        (ADMIN, True, True),  # admin in a private chat
        (ADMIN, False, False),  # admin in a group chat
        (OWNER_A, True, True),  # the owner in a private chat
        (VIEWER, True, False),  # viewers never see confidential answers
        (OWNER_B, True, False),  # another officer cannot even see the case
    ],
)
def test_names_of_victims_match_only_for_who_may_see_them(
    user: dict[str, str], private: bool, found: bool
) -> None:
    assert bool(refs(VICTIMS[0], user, private_chat=private)) is found


def test_results_are_index_entries_open_first() -> None:
    results = search(cases(), "china", ADMIN)
    assert all(tuple(entry) == INDEX_FIELDS for entry in results)
    statuses = [e["status"] for e in results]
    assert statuses == sorted(statuses, key=lambda s: s == "closed")
    assert statuses[-1] == "closed"  # AL CHN 1/2016


def test_nothing_for_blank_or_punctuation() -> None:
    assert search(cases(), "  ", ADMIN) == []
    assert search(cases(), "?!", ADMIN) == []


def test_searches_a_repository(tmp_path: Path) -> None:
    repo = open_repository(tmp_path / "data")
    try:
        for case in cases():
            repo.save_case(case, actor="test", action="create", detail={})
        assert {e["reference"] for e in search(repo, "egypt", ADMIN)} == {
            "UA EGY 3/2016",
            "UA EGY 1/2017",
            "AL EGY 2/2017",
            "OL EGY 3/2017",
            None,  # the visit to Egypt
        }
    finally:
        repo.close()
