"""Tests for workflows.reference.mandates: the shipped list and reading mandates from user text."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.reference.mandates import Mandate, load_mandates, match_mandate, parse_mandates

TORTURE_TITLE = (
    "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or punishment"
)


def short_names(mandates: list[Mandate]) -> list[str]:
    return [m.short_name for m in mandates]


def test_load_mandates_shipped_list() -> None:
    mandates = load_mandates()
    assert len(mandates) == 59
    assert sum(m.kind == "thematic" for m in mandates) == 45
    assert sum(m.kind == "country" for m in mandates) == 14
    assert load_mandates() is mandates  # cached
    assert len({m.short_name for m in mandates}) == 59
    wgad = next(m for m in mandates if m.short_name == "WGAD")
    assert wgad == Mandate(
        "WGAD", "Working Group on Arbitrary Detention", "thematic", 1991,
        "Groupe de travail sur la détention arbitraire",
        "Grupo de Trabajo sobre la Detención Arbitraria",
    )  # fmt: skip
    torture = next(m for m in mandates if m.short_name == "SR Torture")
    assert torture.title == TORTURE_TITLE


def test_load_mandates_from_path(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "kind,title,short_name,established\n"
        "thematic,Working Group on Arbitrary Detention,WGAD,1991\n"
        'country,"Special Rapporteur on human rights in Mali, test",SR Mali,2013\n',
        encoding="utf-8",
    )
    mandates = load_mandates(path)
    assert short_names(list(mandates)) == ["WGAD", "SR Mali"]
    assert mandates[1].kind == "country"
    assert mandates[1].established == 2013


@pytest.mark.parametrize(
    "body",
    [
        "kind,title,short_name\nthematic,X,Y\n",  # missing column
        "kind,title,short_name,established\nother,X,Y,1991\n",  # bad kind
        "kind,title,short_name,established\nthematic,X,Y,soon\n",  # bad year
        "kind,title,short_name,established\nthematic,,Y,1991\n",  # no title
        "kind,title,short_name,established\nthematic,X,Y,1991\nthematic,Z,y,1992\n",  # dup
    ],
)
def test_load_mandates_rejects_bad_files(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError):
        load_mandates(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WGAD", "WGAD"),
        ("wgad", "WGAD"),
        (" WGAD ", "WGAD"),
        ("SR HRDs", "SR HRDs"),
        ("sr hrds", "SR HRDs"),
        ("SRHRDs", "SR HRDs"),
        ("SR  HRDs", "SR HRDs"),
        (TORTURE_TITLE, "SR Torture"),
        (TORTURE_TITLE.upper(), "SR Torture"),
        ("Working Group on Arbitrary Detention", "WGAD"),
        ("SR Slavery and Trafficking", "SR Slavery and Trafficking"),
        ("torture", "SR Torture"),
        ("detention", "WGAD"),
        ("defenders", "SR HRDs"),
        ("human rights defender", "SR HRDs"),
        ("disappearances", "WGEID"),
        ("Myanmar", "SR Myanmar"),
        ("Syria", "SR Syria"),
        ("freedom of expression", "SR FoE"),
        ("éducation", "SR Education"),  # accent-insensitive
    ],
)
def test_match_mandate_single(text: str, expected: str) -> None:
    assert short_names(match_mandate(text)) == [expected]


def test_match_mandate_several_best_first() -> None:
    women = short_names(match_mandate("women"))
    assert set(women) == {"SR VAWG", "WGDAWG"}
    many = match_mandate("human rights")
    assert len(many) == 8  # capped
    ies = short_names(match_mandate("IE"))
    assert all(name.startswith("IE ") for name in ies)
    assert len(ies) == 8  # 6 thematic... and country IEs, capped at 8


@pytest.mark.parametrize("text", ["nonsense", "", "   ", ",", "x" * 5000])
def test_match_mandate_none(text: str) -> None:
    assert match_mandate(text) == []


def test_match_mandate_with_custom_list() -> None:
    pool = [Mandate("WGAD", "Working Group on Arbitrary Detention", "thematic", 1991)]
    assert match_mandate("torture", pool) == []
    assert match_mandate("detention", pool) == pool


@pytest.mark.parametrize(
    ("text", "resolved", "unresolved"),
    [
        ("WGAD", ["WGAD"], []),
        ("WGAD, SR HRDs and SR Torture", ["WGAD", "SR HRDs", "SR Torture"], []),
        ("WGAD; SR HRDs + SR Torture", ["WGAD", "SR HRDs", "SR Torture"], []),
        ("WGAD\nSR FoE & SR FoAA", ["WGAD", "SR FoE", "SR FoAA"], []),
        ("WGAD, SR HRDs, and SR Torture", ["WGAD", "SR HRDs", "SR Torture"], []),
        ("WGAD, nonsense", ["WGAD"], ["nonsense"]),
        ("women, WGAD", ["WGAD"], ["women"]),  # ambiguous counts as unresolved
        ("WGAD, wgad, Working Group on Arbitrary Detention", ["WGAD"], []),
        ("torture, detention", ["SR Torture", "WGAD"], []),
        # titles that contain the separators themselves
        (TORTURE_TITLE, ["SR Torture"], []),
        (f"WGAD, {TORTURE_TITLE}; SR HRDs", ["WGAD", "SR Torture", "SR HRDs"], []),
        ("SR Slavery and Trafficking and WGAD", ["SR Slavery and Trafficking", "WGAD"], []),
        ("", [], []),
        (" , ; ", [], []),
        ("nonsense and more nonsense", [], ["nonsense", "more nonsense"]),
    ],
)
def test_parse_mandates(text: str, resolved: list[str], unresolved: list[str]) -> None:
    found, unmatched = parse_mandates(text)
    assert short_names(found) == resolved
    assert unmatched == unresolved


def test_parse_mandates_every_title_and_short_name() -> None:
    mandates = list(load_mandates())
    for m in mandates:
        assert parse_mandates(m.title) == ([m], [])
        assert parse_mandates(m.short_name) == ([m], [])
    joined = ", ".join(m.title for m in mandates)
    assert parse_mandates(joined) == (mandates, [])


def test_parse_mandates_bounded_on_huge_input() -> None:
    for size in (5000, 50_000):
        found, unmatched = parse_mandates("x" * size)
        assert found == []
        assert len(unmatched) == 1
        assert len(unmatched[0]) < 100
    found, unmatched = parse_mandates("a, " * 600)
    assert found == []
