"""Regenerate ``un_states.csv`` (the UN short names of States) from hdx-python-country.

Run from the project folder when UNTERM changes a name (rare: "Türkiye" in 2022, "Netherlands
(Kingdom of the)" in 2023)::

    .venv/bin/pip install -e '.[un-names]'
    .venv/bin/python -m workflows.reference.data.build_un_states

hdx-python-country ships the UN OCHA countries and territories table, whose English, French
and Spanish short names come from UNTERM. Only this script needs it: the bot reads the CSV it
writes, so the 84 MB the library and its dependencies add to a virtual environment stay out
of every install (see workflows/reference/actors.py for the measurements). The CSV is
committed; review its diff like any other change.
"""

from __future__ import annotations

import csv
from pathlib import Path

from hdx.location.country import Country

from workflows.reference.actors import UN_STATES

OUT = Path(__file__).with_name("un_states.csv")
#: Other names the OCHA table carries for a State (older, ISO and ReliefWeb forms); they only
#: help resolve what staff type, they are never shown.
ALIAS_COLUMNS = (
    "Preferred Term", "ISO Alt Term", "DGACM Alt Term", "HPC Tools Alt Term", "RW Short Name",
    "RW API Alt Term", "English Formal", "M49 English", "M49 French", "M49 Spanish",
)  # fmt: skip
HEADER = ("iso3", "iso2", "en", "fr", "es", "aliases")


def rows() -> list[tuple[str, ...]]:
    """One row per UN Member or observer State, sorted by code."""
    table = Country.countriesdata(use_live=False)["countries"]
    missing = UN_STATES - table.keys()
    if missing:
        raise SystemExit(f"the OCHA table lacks {sorted(missing)}")
    found: list[tuple[str, ...]] = []
    for code in sorted(UN_STATES):
        info = table[code]
        names = (info["English Short"], info["French Short"], info["Spanish Short"])
        aliases = dict.fromkeys(
            value.strip()
            for column in ALIAS_COLUMNS
            if (value := info.get(column)) and value.strip() not in names
        )
        found.append((code, info["ISO 3166-1 Alpha 2-Codes"], *names, " | ".join(aliases)))
    return found


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows())
    print(f"wrote {OUT} ({len(UN_STATES)} States)")


if __name__ == "__main__":
    main()
