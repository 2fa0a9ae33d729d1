"""Tests for workflows.reference.actors: States by their UN names, and the names staff type."""

from __future__ import annotations

import dataclasses
import time

import pytest

from workflows.reference.actors import (
    OTHER_CODE,
    UN_STATES,
    Actor,
    display_name,
    other_actor,
    resolve_state,
    state_by_code,
    states,
    suggest_states,
    un_name,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Burundi", "BDI"),
        ("BDI", "BDI"),
        ("bdi", "BDI"),
        ("BI", "BDI"),
        ("  burundi  ", "BDI"),
        ("bolivia", "BOL"),
        ("Plurinational State of Bolivia", "BOL"),
        ("Bolivia, Plurinational State of", "BOL"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("turkiye", "TUR"),
        ("TÜRKIYE", "TUR"),
        ("Iran", "IRN"),
        ("Islamic Republic of Iran", "IRN"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("Syria", "SYR"),
        ("Syrian Arab Republic", "SYR"),
        ("Venezuela", "VEN"),
        ("Tanzania", "TZA"),
        ("United Republic of Tanzania", "TZA"),
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("Laos", "LAO"),
        ("Lao People's Democratic Republic", "LAO"),
        ("North Korea", "PRK"),
        ("DPRK", "PRK"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("South Korea", "KOR"),
        ("Republic of Korea", "KOR"),
        ("Moldova", "MDA"),
        ("Republic of Moldova", "MDA"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("UK", "GBR"),
        ("U.K.", "GBR"),
        ("United Kingdom", "GBR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("USA", "USA"),
        ("US", "USA"),
        ("U.S.", "USA"),
        ("United States", "USA"),
        ("United States of America", "USA"),
        ("Palestine", "PSE"),
        ("State of Palestine", "PSE"),
        ("Holy See", "VAT"),
        ("Vatican", "VAT"),
        ("DRC", "COD"),
        ("Democratic Republic of the Congo", "COD"),
        ("Congo", "COG"),
        ("Republic of the Congo", "COG"),
        ("Ivory Coast", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d\u2019Ivoire", "CIV"),  # typographic apostrophe
        ("cote d ivoire", "CIV"),
        ("Cape Verde", "CPV"),
        ("Cabo Verde", "CPV"),
        ("Swaziland", "SWZ"),
        ("Eswatini", "SWZ"),
        ("Macedonia", "MKD"),
        ("North Macedonia", "MKD"),
        ("Burma", "MMR"),
        ("Myanmar", "MMR"),
        ("East Timor", "TLS"),
        ("Timor-Leste", "TLS"),
        ("Timor Leste", "TLS"),
        ("Micronesia", "FSM"),
        ("the Gambia", "GMB"),
        ("Bosnia & Herzegovina", "BIH"),
        ("St. Lucia", "LCA"),
        ("Sao Tome and Principe", "STP"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Guinea", "GIN"),
        ("Sudan", "SDN"),
        ("South Sudan", "SSD"),
        ("NO", "NOR"),
        # French and Spanish names, UN and common
        ("République arabe syrienne", "SYR"),
        ("Syrie", "SYR"),
        ("Turquie", "TUR"),
        ("Turquía", "TUR"),
        ("Allemagne", "DEU"),
        ("Alemania", "DEU"),
        ("Royaume-Uni", "GBR"),
        ("Reino Unido", "GBR"),
        ("Iran (République islamique d')", "IRN"),
        ("Irán (República Islámica del)", "IRN"),
        ("Bolivie (État plurinational de)", "BOL"),
        ("Estados Unidos de América", "USA"),
        ("République populaire démocratique de Corée", "PRK"),
        ("Pays-Bas", "NLD"),
        ("Netherlands", "NLD"),
        ("Costa de Marfil", "CIV"),
        # other forms from the OCHA table
        ("Korea, Democratic People's Republic of", "PRK"),
        ("Micronesia (Federated States of)", "FSM"),
    ],
)
def test_resolve_state(text: str, code: str) -> None:
    actor = resolve_state(text)
    assert actor is not None, text
    assert actor.code == code
    assert actor.kind == "state"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("BOL", "Bolivia (Plurinational State of)"),
        ("IRN", "Iran (Islamic Republic of)"),
        ("TUR", "Türkiye"),
        ("SYR", "Syrian Arab Republic"),
        ("TZA", "United Republic of Tanzania"),
        ("PRK", "Democratic People's Republic of Korea"),
        ("KOR", "Republic of Korea"),
        ("GBR", "United Kingdom of Great Britain and Northern Ireland"),
        ("COD", "Democratic Republic of the Congo"),
        ("PSE", "State of Palestine"),
        ("VAT", "Holy See"),
        ("FSM", "Micronesia (Federated States of)"),
        ("NLD", "Netherlands (Kingdom of the)"),
        ("VNM", "Viet Nam"),
        ("CIV", "Côte d'Ivoire"),
        ("SWZ", "Eswatini"),
        ("BDI", "Burundi"),
    ],
)
def test_states_are_named_as_the_un_names_them(code: str, name: str) -> None:
    actor = state_by_code(code)
    assert actor == Actor(code=code, name=name, kind="state")


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("SYR", "fr", "République arabe syrienne"),
        ("SYR", "es", "República Árabe Siria"),
        ("IRN", "fr", "Iran (République islamique d')"),
        ("GBR", "es", "Reino Unido de Gran Bretaña e Irlanda del Norte"),
        ("TUR", "fr", "Türkiye"),
        ("BOL", "en", "Bolivia (Plurinational State of)"),
        ("bol", "es", "Bolivia (Estado Plurinacional de)"),
    ],
)
def test_un_names_in_french_and_spanish(code: str, language: str, name: str) -> None:
    assert un_name(code, language) == name


def test_un_name_of_what_is_not_a_state() -> None:
    assert un_name("OTH") is None
    assert un_name("HKG") is None
    assert un_name(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ({"code": "SYR", "name": "Syria", "kind": "state"}, "Syrian Arab Republic"),
        ({"code": "TUR", "name": "Turkey", "kind": "state"}, "Türkiye"),
        ({"code": "PRK", "name": "North Korea", "kind": "state"},
         "Democratic People's Republic of Korea"),
        ({"code": "OTH", "name": "Acme Mining Ltd", "kind": "other"}, "Acme Mining Ltd"),
        ({"code": "OTH", "name": "Syria Mining", "kind": "other"}, "Syria Mining"),
        ({"code": "XXX", "name": "Atlantis", "kind": "state"}, "Atlantis"),
    ],
)  # fmt: skip
def test_display_name_looks_states_up_by_code(stored: dict[str, str], shown: str) -> None:
    assert display_name(stored) == shown


@pytest.mark.parametrize(
    "text",
    [
        "Shell plc",
        "World Bank",
        "Wagner Group",
        "xyz",
        "",
        "   ",
        "Korea",  # two Koreas: ambiguous, must be a re-ask
        "Corée",
        "Hong Kong",  # territories are not addressees
        "Puerto Rico",
        "United States Steel",  # a code or name inside longer text is not a match
        "US Steel",
        "no",  # a "No" to a State question is not Norway
        "No",
        "and",
        "Can",
        "x" * 5000,
    ],
)
def test_resolve_state_returns_none(text: str) -> None:
    assert resolve_state(text) is None


def test_resolve_state_tolerates_non_text() -> None:
    assert resolve_state(None) is None  # type: ignore[arg-type]


def test_exactly_the_un_states_resolve() -> None:
    assert len(UN_STATES) == 195
    every = states()
    assert len(every) == 195
    assert {a.code for a in every} == UN_STATES
    for actor in every:
        assert resolve_state(actor.code) == actor
        assert resolve_state(actor.name) == actor, actor


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Burundy", "BDI"),
        ("Columbia", "COL"),
        ("Tukey", "TUR"),
        ("Korea", None),  # both Koreas, either order
        ("no", "NOR"),
        ("Guinea", "GIN"),
        ("Congo", "COG"),
    ],
)
def test_suggest_states(text: str, first: str | None) -> None:
    found = suggest_states(text)
    assert found
    assert len(found) <= 5
    assert len({a.code for a in found}) == len(found)
    if first:
        assert found[0].code == first
    else:
        assert {"PRK", "KOR"} <= {a.code for a in found}


def test_suggest_states_limit_and_misses() -> None:
    assert [a.code for a in suggest_states("Guinea", limit=2)] == ["GIN", "GNB"]
    assert {a.code for a in suggest_states("Congo")} == {"COG", "COD"}
    assert suggest_states("xyz") == []
    assert suggest_states("Wagner Group") == []
    assert suggest_states("") == []
    assert suggest_states("Burundi", limit=0) == []


def test_state_by_code() -> None:
    assert state_by_code("BDI") == resolve_state("Burundi")
    assert state_by_code(" bdi ") == resolve_state("Burundi")
    assert state_by_code("OTH") is None
    assert state_by_code("XXX") is None
    assert state_by_code("HKG") is None


def test_other_actor() -> None:
    actor = other_actor("  Shell   plc \n")
    assert actor == Actor(code=OTHER_CODE, name="Shell plc", kind="other")
    assert actor.code == "OTH"
    assert other_actor("Société Générale").name == "Société Générale"
    for bad in ["", "   ", "x" * 201]:
        with pytest.raises(ValueError):
            other_actor(bad)


def test_actor_is_frozen_and_round_trips_as_dict() -> None:
    actor = resolve_state("Burundi")
    assert actor is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.code = "XXX"  # type: ignore[misc]
    assert Actor(**dataclasses.asdict(actor)) == actor


def test_resolution_is_fast() -> None:
    resolve_state("Burundi")  # build the tables
    start = time.perf_counter()
    for _ in range(2000):
        resolve_state("Côte d'Ivoire")
        resolve_state("Wagner Group")
    assert time.perf_counter() - start < 0.5


def test_every_french_and_spanish_un_name_resolves_to_its_state() -> None:
    for actor in states():
        for language in ("fr", "es"):
            name = un_name(actor.code, language)
            assert name, (actor.code, language)
            assert resolve_state(name) == actor, (actor.code, language, name)
