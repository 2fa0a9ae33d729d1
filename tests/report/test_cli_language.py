"""`python -m bot report --lang` and `export --lang`: the output in the asker's language
(issue 15, item 3); only what the language wiring owns is asserted in French and Spanish:
the period's dates and month names, and States by their UN names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import run_cli

YEAR_2017 = ["--from", "2017-01-01", "--to", "2017-12-31"]


def report(data_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run_cli(["report", "--data-dir", str(data_dir), *args]) == 0
    return capsys.readouterr().out


def test_report_lang_writes_dates_and_states_in_that_language(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = report(data_dir, capsys, *YEAR_2017)
    assert "1 January 2017 \N{EN DASH} 31 December 2017" in english
    assert report(data_dir, capsys, *YEAR_2017, "--lang", "en") == english  # the default
    assert ": 55.3%\n" in english  # a rate of the fixture, as English shows it
    french = report(data_dir, capsys, *YEAR_2017, "--lang", "fr")
    assert "1 janvier 2017 \N{EN DASH} 31 décembre 2017" in french
    assert ": 55,3\N{NO-BREAK SPACE}%\n" in french and "55.3" not in french
    spanish = report(data_dir, capsys, "--period", "June 2017", "--lang", "es")
    assert "junio de 2017" in spanish


def test_report_csv_names_states_in_the_askers_language(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_args = [*YEAR_2017, "--format", "csv", "--out", "-"]
    english = report(data_dir, capsys, *csv_args)
    french = report(data_dir, capsys, *csv_args, "--lang", "fr")
    spanish = report(data_dir, capsys, *csv_args, "--lang", "es")
    assert "Iran (Islamic Republic of)" in english and "Egypt" in english
    assert "Iran (République islamique d')" in french and "Égypte" in french
    assert "Irán (República Islámica del)" in spanish and "Egipto" in spanish
    assert "Égypte" not in english


def test_state_scope_and_bad_lang(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    french = report(data_dir, capsys, "--period", "2017", "--state", "IRN", "--lang", "fr")
    assert "Iran (République islamique d') (IRN)" in french
    with pytest.raises(SystemExit):
        run_cli(["report", "--data-dir", str(data_dir), "--period", "2017", "--lang", "de"])
