"""Communication references in OHCHR's form, `TYPE SERIES number/year`, however they are typed.

TYPE is AL, UA or OL (a joint letter is still AL, UA or OL: "joint" follows from two or more
mandates). SERIES is the addressee's ISO 3166 alpha-3 code, or `OTH` for companies,
international organisations and other non-State actors; numbers run per series and year
across all types ("AL TUN 3/2026", "UA TUN 4/2026"). Older records wrote JAL, JUA or JOL:
such a reference is still read (an upgraded case keeps it as an alias) but never issued.

Staff type references loosely ("al irn 2 / 2017", "AL-IRN-02/2017"); `parse_reference` reads
all of them to the one canonical string, so look-ups never depend on spacing or case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPES = ("AL", "UA", "OL")
#: Types of older records, read as the type a joint letter has today.
JOINT_TYPES = {"JAL": "AL", "JUA": "UA", "JOL": "OL"}
OTHER_SERIES = "OTH"
_LOOSE = re.compile(
    r"^(JAL|JUA|JOL|AL|UA|OL)([A-Z]{3})(?:N[O°º]?)?0*([1-9][0-9]{0,3})/((?:19|20)[0-9]{2})$"
)
_IGNORED = re.compile(r"[\s\-_.:]+")


@dataclass(frozen=True)
class Reference:
    type: str
    series: str
    number: int
    year: int

    def __str__(self) -> str:
        return f"{self.type} {self.series} {self.number}/{self.year}"

    @property
    def current_type(self) -> str:
        """The type as issued today: JAL reads as AL."""
        return JOINT_TYPES.get(self.type, self.type)


def parse_reference(text: str) -> Reference | None:
    """The reference in `text` however spaced or cased, or None if it is not one."""
    squeezed = _IGNORED.sub("", str(text).upper())
    match = _LOOSE.fullmatch(squeezed)
    if match is None:
        return None
    kind, series, number, year = match.groups()
    return Reference(kind, series, int(number), int(year))


def canonical(text: str) -> str | None:
    """`AL IRN 2/2017` for any way of typing it; None if `text` is not a reference."""
    reference = parse_reference(text)
    return str(reference) if reference else None


def split_references(text: str) -> list[str]:
    """The pieces of a list of references ("AL IRN 2/2017, AL TUR 5/2017")."""
    return [piece.strip() for piece in re.split(r"[,;\n]", str(text)) if piece.strip()]


def series_of(actor: dict[str, str]) -> str:
    """The series an addressee's letters are numbered in: its ISO3 code, or OTH."""
    return actor["code"] if actor.get("kind") == "state" else OTHER_SERIES
