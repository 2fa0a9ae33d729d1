"""The console, the command line and the file checks in French and Spanish (issue 15)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import cli
from bot.console import Console, LocalFileError, read_local_file
from bot.filetypes import DEFAULT_TYPES, KNOWN, FilePolicy
from workflows.chat.conversation import Conversation
from workflows.language import use

NB = "\u00a0"  # French sets a no-break space before a colon or a semicolon


@pytest.mark.parametrize(
    ("lang", "bye", "no_path"),
    [
        ("fr", "Au revoir. Tout ce que vous avez confirmé est enregistré.",
         f"Indiquez le chemin d'un fichier{NB}: /file ~/letters/reply.pdf"),
        ("es", "Hasta luego. Todo lo que ha confirmado queda guardado.",
         "Indique la ruta de un archivo: /file ~/letters/reply.pdf"),
    ],
)  # fmt: skip
def test_a_console_session_in_french_and_spanish(
    conversation: Conversation, lang: str, bye: str, no_path: str
) -> None:
    out = io.StringIO()
    Console(conversation, out, user_id="2", language=lang).run(["/file"], interactive=False)
    printed = out.getvalue()
    assert no_path in printed
    assert printed.endswith(bye + "\n")


def test_the_console_refuses_a_missing_file_in_french(tmp_path: Path) -> None:
    missing = tmp_path / "absent.pdf"
    with use("fr"), pytest.raises(LocalFileError) as refused:
        read_local_file(missing, 1024)
    assert str(refused.value) == f"Fichier introuvable{NB}: {missing}"


def _args(**given: object) -> SimpleNamespace:
    return SimpleNamespace(**{"period": None, "start": None, "end": None, **given})


@pytest.mark.parametrize(
    ("lang", "backwards", "both"),
    [
        ("fr", "--to est antérieur à --from",
         "indiquez soit --period, soit --from/--to, mais pas les deux"),
        ("es", "--to es anterior a --from", "indique --period o bien --from/--to, pero no ambos"),
    ],
)  # fmt: skip
def test_cli_errors_in_french_and_spanish(lang: str, backwards: str, both: str) -> None:
    today = date(2017, 5, 15)
    with use(lang):
        with pytest.raises(cli.CliError) as refused:
            cli._period(_args(start="2017-05-01", end="2017-04-01"), today, "Europe/Geneva")
        assert str(refused.value) == backwards
        with pytest.raises(cli.CliError) as refused:
            cli._period(_args(period="2016", start="2016-01-01"), today, "Europe/Geneva")
        assert str(refused.value) == both


def test_cli_error_printed_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the parser and run_parsed, as `python -m bot report` prints it (status 2)."""
    argv = ["report", "--from", "2017-05-01", "--to", "2017-04-01", "--lang", "fr",
            "--data-dir", str(tmp_path / "data")]  # fmt: skip
    status = cli.run_parsed(cli.parser().parse_args(argv))
    assert status == 2
    assert capsys.readouterr().err == "report: --to est antérieur à --from\n"


def test_cli_help_in_spanish() -> None:
    with use("es"):
        shown = cli.parser().format_help()
    assert "El bot de seguimiento y sus herramientas, sobre una carpeta de datos." in shown
    assert "conversar en este terminal, sin token" in shown
    assert "el informe normalizado" in shown


def test_cli_help_in_english_is_unchanged() -> None:
    shown = cli.parser().format_help()
    assert shown.count("The follow-up bot and its tools on a data folder.") == 1
    assert "chat in this terminal, no token" in shown


@pytest.mark.parametrize(
    ("lang", "wrong_type", "too_big", "fake"),
    [
        ("fr",
         "Je ne peux pas conserver ce type de fichier. Veuillez envoyer un fichier PDF, DOCX, "
         "DOC, JPEG ou PNG.",
         f"Ce fichier fait 2,5{NB}Mo{NB}; la limite est de 2,0{NB}Mo. Veuillez envoyer un "
         "fichier plus petit.",
         f"Ce fichier ne semble pas être un fichier PDF{NB}; il n'a donc pas été conservé."),
        ("es",
         "No puedo conservar este tipo de archivo. Le ruego que envíe un archivo PDF, DOCX, "
         "DOC, JPEG o PNG.",
         "Este archivo ocupa 2,5 MB; el límite es de 2,0 MB. Le ruego que envíe un archivo más "
         "pequeño.",
         "Este archivo no parece ser un archivo PDF, por lo que no se ha conservado."),
        ("en",
         "I cannot keep this kind of file. Please send a PDF, DOCX, DOC, JPEG or PNG file.",
         "This file is 2.5 MB; the limit is 2.0 MB. Please send a smaller file.",
         "This does not look like a PDF file, so it was not kept."),
    ],
)  # fmt: skip
def test_file_refusals_in_each_language(
    lang: str, wrong_type: str, too_big: str, fake: str
) -> None:
    """A 2 MB limit and a 2.5 MB file (2,621,440 bytes = 2.5 x 1024 x 1024)."""
    policy = FilePolicy.of(DEFAULT_TYPES, 2 * 1024 * 1024)
    with use(lang):
        assert policy.refusal(None, 10) == wrong_type
        assert policy.refusal(KNOWN["pdf"], 2_621_440) == too_big
        assert policy.content_refusal(KNOWN["pdf"], b"not a PDF at all") == fake
