"""The report in French and Spanish: the reader's words, the same figures.

The fixture report (tests/report/fixture.py, 2017, cut-off 1 February 2018) is compiled and
written inside ``use("fr")`` and ``use("es")``, as the transports do for whoever asks. The
figures come from the same cases, so every count and rate must equal the English report's;
only the words, dates and number formats change. The English output is checked unchanged
by the other tests of this folder.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from fixture import END, START, TODAY, cases

from workflows.language import use
from workflows.reference.actors import states, un_name
from workflows.report import (
    Report,
    compile_report,
    parse_period,
    summary_text,
    write_chart,
    write_csv,
    write_docx,
)
from workflows.report.chart import chart_rows
from workflows.report.definitions import definitions_table, definitions_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NBSP = "\N{NO-BREAK SPACE}"

HEADINGS = {
    "fr": ["Communications", "Visites de pays", "Activités de suivi",
           "Délais et charge de travail", "Non-coopération persistante", "Représailles",
           "Mode de calcul des chiffres"],
    "es": ["Comunicaciones", "Visitas a países", "Actividades de seguimiento",
           "Plazos y carga de trabajo", "Falta de cooperación persistente", "Represalias",
           "Cómo se calculan estas cifras"],
}  # fmt: skip
#: The first CSV columns, then two further in: the reference, the case id and the owner.
CSV_HEAD = {
    "fr": ["Communication ou visite", "Référence", "Identifiant du dossier", "Responsable"],
    "es": ["Comunicación o visita", "Referencia", "Identificador del caso", "Responsable"],
}
#: Words that are the same in English and in the language (left as they are on purpose).
SAME_WORD = {
    "fr": {"Communications", "Code", "Codes", "Type", "Session", "Cycle", "Date", "Notes"},
    "es": set(),
}


@pytest.fixture(scope="module")
def english() -> Report:
    return compile_report(cases(), START, END, today=TODAY)


def _compiled(lang: str) -> Report:
    with use(lang):
        return compile_report(cases(), START, END, today=TODAY)


@pytest.fixture(scope="module", params=["fr", "es"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _words(report: Report) -> list[str]:
    """Every heading, figure label, table title and column header of a report."""
    found = []
    for section in report.sections:
        found += [section.title, *(f.label for f in section.figures)]
        found += [t.title for t in section.tables]
        found += [c for t in section.tables for c in t.columns]
    return [*found, report.records.title, *report.records.columns]


def test_same_figures_and_rows_as_the_english_report(english: Report, lang: str) -> None:
    translated = _compiled(lang)
    assert [s.key for s in translated.sections] == [s.key for s in english.sections]
    for ours, theirs in zip(translated.sections, english.sections, strict=True):
        assert [(f.key, f.value) for f in ours.figures] == [
            (f.key, f.value) for f in theirs.figures
        ]
        for table, source in zip(ours.tables, theirs.tables, strict=True):
            assert table.key == source.key and len(table.rows) == len(source.rows)
            # Rows named by State sort by the name in the reader's language, so the same
            # rows may come in another order.
            numbers = sorted([c for c in row if isinstance(c, int | float)] for row in table.rows)
            assert numbers == sorted(
                [c for c in row if isinstance(c, int | float)] for row in source.rows
            ), table.key
    assert len(translated.records.rows) == len(english.records.rows) == 38 + 7


def test_every_heading_label_and_column_is_translated(english: Report, lang: str) -> None:
    # Word for word against the English report: anything left English is a string that
    # was never wrapped, unless it is the same word in both languages.
    pairs = zip(_words(_compiled(lang)), _words(english), strict=True)
    untranslated = {ours for ours, theirs in pairs if ours == theirs} - SAME_WORD[lang]
    assert untranslated == set()


def test_docx_headings_and_figures_in_the_language(lang: str, tmp_path: Path) -> None:
    path = tmp_path / f"report-{lang}.docx"
    with use(lang):
        write_docx(_compiled(lang), path)
    document = Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == HEADINGS[lang]
    # 38 letters sent in 2017 (worked out in test_report_figures.py); the date range of the
    # title page as each language writes a date in a document.
    if lang == "fr":
        assert paragraphs[0] == "Rapport de suivi normalisé"
        assert f"Période{NBSP}: 1 janvier 2017 \N{EN DASH} 31 décembre 2017" in paragraphs
        assert f"Communications envoyées (une par destinataire){NBSP}: 38" in paragraphs
        assert (
            f"Champ{NBSP}: tous les mandats{NBSP}; tous les États et autres acteurs" in paragraphs
        )
    else:
        assert paragraphs[0] == "Informe de seguimiento normalizado"
        assert "Período: 1 de enero de 2017 \N{EN DASH} 31 de diciembre de 2017" in paragraphs
        assert "Comunicaciones enviadas (una por destinatario): 38" in paragraphs
    # AL: 21 sent, 13 replies, 20 whose reply period has ended, 13 of them answered: 65.0 %,
    # written with a decimal comma in both languages.
    by_type = document.tables[0]
    assert [c.text for c in by_type.rows[1].cells] == ["AL", "21", "13", "20", "13", "65,0"]


def _csv_rows(report: Report) -> list[list[str]]:
    stream = io.BytesIO()
    write_csv(report, stream)
    return list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"), newline="")))


#: The only cells that change with the language: words the report itself writes.
CSV_WORDS = {
    "fr": {"yes": "oui", "no": "non", "communication": "communication", "visit": "visite",
           "open": "ouvert", "closed": "clos",
           "user 101 (no name recorded)": "utilisateur 101 (nom non enregistré)",
           "user 102 (no name recorded)": "utilisateur 102 (nom non enregistré)"},
    "es": {"yes": "sí", "no": "no", "communication": "comunicación", "visit": "visita",
           "open": "abierto", "closed": "cerrado",
           "user 101 (no name recorded)": "usuario 101 (nombre no registrado)",
           "user 102 (no name recorded)": "usuario 102 (nombre no registrado)"},
}  # fmt: skip


def test_csv_headers_in_the_language_values_as_in_english(english: Report, lang: str) -> None:
    theirs = _csv_rows(english)
    with use(lang):
        ours = _csv_rows(_compiled(lang))
    assert ours[0][:4] == CSV_HEAD[lang]
    assert len(ours[0]) == len(theirs[0]) and len(ours) == len(theirs) == 1 + 38 + 7
    # Cell by cell: dates stay ISO and numbers plain (for sorting and sums in a
    # spreadsheet), names and references as typed; only the report's own words change.
    changed = {
        (theirs_cell, ours_cell)
        for our_row, their_row in zip(ours[1:], theirs[1:], strict=True)
        for ours_cell, theirs_cell in zip(our_row, their_row, strict=True)
        if ours_cell != theirs_cell
    }
    assert changed and changed <= set(CSV_WORDS[lang].items()) | _state_names(lang)


def _state_names(lang: str) -> set[tuple[str, str]]:
    """Each State's UN short name in English and in ``lang`` (UNTERM, workflows.reference)."""
    return {(un_name(a.code) or "", un_name(a.code, lang) or "") for a in states()}


def _in(lang: str, label: str) -> str:
    """A chart label ("China (4)") as the language names the State ("Chine (4)")."""
    name, _, count = label.rpartition(" (")
    names = dict(_state_names(lang))
    return f"{names.get(name, name)} ({count}"


def test_chart_rows_and_png_in_the_language(english: Report, lang: str) -> None:
    translated = _compiled(lang)
    with use(lang):
        labels, rates, title = chart_rows(translated, "state")
        stream = io.BytesIO()
        write_chart(translated, stream)
    expected_labels, expected_rates, _title = chart_rows(english, "state")
    # The same States and rates; tied States sort by their names in the reader's language.
    assert sorted(zip(labels, rates, strict=True)) == sorted(
        (_in(lang, label), rate)
        for label, rate in zip(expected_labels, expected_rates, strict=True)
    )
    assert title == {"fr": "Taux de réponse par État", "es": "Tasa de respuesta por Estado"}[lang]
    assert stream.getvalue().startswith(PNG_SIGNATURE)


def test_summary_and_definitions_in_the_language(english: Report, lang: str) -> None:
    translated = _compiled(lang)
    with use(lang):
        summary = summary_text(translated)
        help_text = definitions_text()
        definitions = definitions_table(translated)
    first = {"fr": "Rapport de suivi", "es": "Informe de seguimiento"}[lang]
    assert summary.startswith(first) and "38" in summary
    # The reply-rate figure is the same number, written as the language writes a share.
    rate = english.value("communications", "reply_rate")
    assert isinstance(rate, float)
    shown = f"{rate:.1f}".replace(".", ",") + NBSP + "%"  # 57,1 % (no break before the sign)
    assert shown in summary
    assert help_text.startswith({"fr": "MODE DE CALCUL", "es": "CÓMO SE CALCULAN"}[lang])
    assert len(definitions.rows) == len(definitions_table(english).rows)
    assert "Answered / reply period ended" not in help_text


def test_session_windows_in_formal_names() -> None:
    with use("fr"):
        french = parse_period("March 2018 session", date(2018, 6, 1))
    with use("es"):
        spanish = parse_period("March 2018 session", date(2018, 6, 1))
    english = parse_period("March 2018 session", date(2018, 6, 1))
    assert (
        (french.start, french.end) == (spanish.start, spanish.end) == (english.start, english.end)
    )
    assert french.label.startswith("période couverte par la session de mars 2018")
    assert spanish.label.startswith(
        "intervalo correspondiente al período de sesiones de marzo de 2018"
    )
    assert english.label.startswith("March 2018 session window")
