"""Addressees of communications: States (ISO 3166 alpha-3 via pycountry) and other actors.

Why not plain ``pycountry.countries.lookup``: it misses the names staff actually type
("Turkey", "DRC", "Ivory Coast", "Burma", "UK"), its display names are often the inverted ISO
form ("Congo, The Democratic Republic of the"), and it knows territories (Hong Kong, Puerto
Rico) that are not addressees of communications. Here only the 193 UN Member States and the
two observer States resolve; lookups are accent-, case-, space- and punctuation-insensitive;
all tables are built once, lazily, so resolving is a dictionary look-up.

Everything that is not a State (a company, an international organisation, an armed group) is
recorded with :func:`other_actor` under the code ``OTH`` and the name as typed.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

import pycountry

from workflows.text import fold

__all__ = [
    "OTHER_CODE",
    "UN_STATES",
    "Actor",
    "other_actor",
    "resolve_state",
    "state_by_code",
    "states",
    "suggest_states",
]

OTHER_CODE = "OTH"
_MAX_OTHER_NAME = 200

#: 193 UN Member States plus the two observer States (Holy See, State of Palestine).
UN_STATES: frozenset[str] = frozenset(
    """
    AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH
    BWA BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP
    CZE PRK COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU
    GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ
    KEN KIR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS
    MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN
    PNG PRY PER PHL POL PRT QAT KOR MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC
    SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN
    TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB ZWE
    VAT PSE
    """.split()
)

# Display names where pycountry has no common_name and its name is the inverted ISO form.
_DISPLAY_NAMES: dict[str, str] = {
    "COD": "Democratic Republic of the Congo",
    "FSM": "Micronesia",
    "PSE": "State of Palestine",
    "VAT": "Holy See",
}

# Names and abbreviations people type that pycountry does not carry (all normalised on load).
_VARIANTS: dict[str, str] = {
    "Turkey": "TUR",
    "Turquie": "TUR",
    "Turquía": "TUR",
    "Russia": "RUS",
    "Syria": "SYR",
    "Vietnam": "VNM",
    "Laos": "LAO",
    "Lao PDR": "LAO",
    "DPRK": "PRK",
    "North Korea": "PRK",
    "South Korea": "KOR",
    "Republic of Korea": "KOR",
    "ROK": "KOR",
    "Czech Republic": "CZE",
    "UK": "GBR",
    "Great Britain": "GBR",
    "Britain": "GBR",
    "US": "USA",
    "U.S.": "USA",
    "U.S.A.": "USA",
    "United States of America": "USA",
    "America": "USA",
    "Palestine": "PSE",
    "State of Palestine": "PSE",
    "Vatican": "VAT",
    "Vatican City": "VAT",
    "Holy See": "VAT",
    "DRC": "COD",
    "DR Congo": "COD",
    "Congo-Kinshasa": "COD",
    "Democratic Republic of Congo": "COD",
    "Democratic Republic of the Congo": "COD",
    "Republic of Congo": "COG",
    "Congo-Brazzaville": "COG",
    "Ivory Coast": "CIV",
    "Cape Verde": "CPV",
    "Swaziland": "SWZ",
    "Macedonia": "MKD",
    "FYROM": "MKD",
    "Burma": "MMR",
    "East Timor": "TLS",
    "Micronesia": "FSM",
    "Brunei": "BRN",
    "UAE": "ARE",
    "Emirates": "ARE",
    "KSA": "SAU",
    "Holland": "NLD",
    "Bosnia": "BIH",
    "Kyrgyz Republic": "KGZ",
    "Slovak Republic": "SVK",
    "São Tomé": "STP",
    "Saint Kitts": "KNA",
    "St Kitts and Nevis": "KNA",
    "St Lucia": "LCA",
    "St Vincent and the Grenadines": "VCT",
    "Saint Vincent": "VCT",
    "Trinidad": "TTO",
    "Antigua": "ATG",
    "Guinea Bissau": "GNB",
}

# Words that collide with a code ("no" is Norway, "and" is Andorra): unless typed all in
# capitals they do not resolve (a "No" to a State question must not record Norway; phones
# capitalise the first letter). suggest_states still offers the country.
_WORD_CODES: frozenset[str] = frozenset(
    """
    no is it in me to be am at by do so as my la de es et al il ne se sa ma ca si id pe
    and can per fin est mar lie ben pan mac com sur arm gin bra cub ton dom col
    """.split()
)

_SPACED_PUNCT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Actor:
    """An addressee: a State (``kind="state"``, ISO alpha-3) or another actor (``"OTH"``)."""

    code: str
    name: str
    kind: str  # "state" | "other"


def _fold(text: str) -> str:
    """Case- and accent-insensitive, punctuation to spaces, single spaces ("Côte d'Ivoire")."""
    words = _SPACED_PUNCT.sub(" ", fold(text.replace("&", " and "))).split()
    if words and words[0] == "the":  # "the Gambia", "The Netherlands"
        words = words[1:]
    return " ".join(words)


def _key(text: str) -> str:
    """Exact-lookup key: folded with spaces removed, so "Viet Nam" == "Vietnam"."""
    return _fold(text).replace(" ", "")


@dataclass(frozen=True)
class _Index:
    by_alpha3: dict[str, Actor]
    by_alpha2: dict[str, str]
    by_key: dict[str, str]
    spaced: dict[str, str]  # folded name (with spaces) -> alpha-3, for fuzzy suggestions


@functools.cache
def _index() -> _Index:
    """Build every look-up table once; pycountry itself is loaded lazily on first use."""
    by_alpha3: dict[str, Actor] = {}
    by_alpha2: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for country in pycountry.countries:
        code = country.alpha_3
        if code not in UN_STATES:
            continue
        name = _DISPLAY_NAMES.get(code) or getattr(country, "common_name", None) or country.name
        by_alpha3[code] = Actor(code=code, name=name, kind="state")
        by_alpha2[country.alpha_2] = code
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            names.append((value, code))
            if ", " in value:  # "Korea, Republic of" -> "Republic of Korea"
                head, tail = value.split(", ", 1)
                names.append((f"{tail} {head}", code))
            if "(" in value:  # "Holy See (Vatican City State)" -> "Holy See"
                names.append((value.split("(", 1)[0], code))
        names.append((name, code))
    missing = UN_STATES - by_alpha3.keys()
    if missing:  # a pycountry upgrade renamed a code: fail loudly rather than lose a State
        raise RuntimeError(f"pycountry lacks UN State codes: {sorted(missing)}")
    names.extend(_VARIANTS.items())

    by_key: dict[str, str] = {}
    spaced: dict[str, str] = {}
    for value, code in names:
        by_key.setdefault(_key(value), code)
        spaced.setdefault(_fold(value), code)
    return _Index(by_alpha3=by_alpha3, by_alpha2=by_alpha2, by_key=by_key, spaced=spaced)


def states() -> tuple[Actor, ...]:
    """All resolvable States, sorted by display name (for pickers and reports)."""
    return tuple(sorted(_index().by_alpha3.values(), key=lambda a: _fold(a.name)))


def state_by_code(code: str) -> Actor | None:
    """The State stored under an alpha-3 code, or None (also for ``OTH``)."""
    if not isinstance(code, str):
        return None
    return _index().by_alpha3.get(code.strip().upper())


def resolve_state(text: str) -> Actor | None:
    """Exactly one State for what the user typed, or None (the caller then re-asks or offers
    to record an other actor).

    Tries, in order: alpha-3 (3 letters), alpha-2 (2 letters only, so a code is never picked
    out of longer text), then names, official names, common names and common variants. Common
    lowercase words that happen to be codes ("no", "and") do not resolve.
    """
    if not isinstance(text, str):
        return None
    stripped = " ".join(text.split())
    if not stripped or len(stripped) > 100:
        return None
    index = _index()
    compact = stripped.replace(".", "")
    if compact.isascii() and compact.isalpha() and len(compact) in (2, 3):
        if not compact.isupper() and compact.lower() in _WORD_CODES:
            return None
        upper = compact.upper()
        code = index.by_alpha2.get(upper) if len(upper) == 2 else upper
        if code in index.by_alpha3:
            return index.by_alpha3[code]
    code = index.by_key.get(_key(stripped))
    return index.by_alpha3[code] if code else None


def suggest_states(text: str, limit: int = 5) -> list[Actor]:
    """Close matches for a "Did you mean ...?" re-ask, best first, at most ``limit``.

    An exact resolution comes first; then codes that were refused as common words; then names
    containing every word typed ("Korea" -> both Koreas, "Guinea" -> the three Guineas); then
    difflib's fuzzy matches for typos ("Burundy", "Columbia").
    """
    if not isinstance(text, str) or limit <= 0:
        return []
    stripped = " ".join(text.split())[:100]
    folded = _fold(stripped)
    if not folded:
        return []
    index = _index()
    codes: list[str] = []

    exact = resolve_state(stripped)
    if exact:
        codes.append(exact.code)
    compact = folded.replace(" ", "")
    if compact.isalpha() and len(compact) in (2, 3):
        upper = compact.upper()
        code = index.by_alpha2.get(upper) if len(upper) == 2 else upper
        if code in index.by_alpha3:
            codes.append(code)

    words = folded.split()
    containing = [
        (len(name), name, code)
        for name, code in index.spaced.items()
        if all(_word_in(q, name.split()) for q in words)
    ]
    codes.extend(code for _, _, code in sorted(containing))

    fuzzy = difflib.get_close_matches(folded, list(index.spaced), n=limit * 3, cutoff=0.75)
    codes.extend(index.spaced[name] for name in fuzzy)

    unique = list(dict.fromkeys(codes))[:limit]
    return [index.by_alpha3[code] for code in unique]


def _word_in(query: str, words: list[str]) -> bool:
    """Prefix match for words of 3+ letters ("Kor" -> Korea); short ones must be whole words,
    otherwise "no" would suggest every "North ..." and "Northern ..."."""
    if len(query) < 3:
        return query in words
    return any(w.startswith(query) for w in words)


def other_actor(name: str) -> Actor:
    """An addressee that is not a State, kept under the name as typed (whitespace tidied).

    Raises ValueError for an empty or absurdly long name, so the caller re-asks instead of
    storing junk.
    """
    tidy = " ".join(name.split()) if isinstance(name, str) else ""
    tidy = "".join(ch for ch in tidy if ch.isprintable())
    if not tidy:
        raise ValueError("An other actor needs a name.")
    if len(tidy) > _MAX_OTHER_NAME:
        raise ValueError(f"That name is too long (more than {_MAX_OTHER_NAME} characters).")
    return Actor(code=OTHER_CODE, name=tidy, kind="other")
