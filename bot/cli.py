"""The data tools of `python -m bot` (report, import, export, backup, restore, demo) and the
one parser of every option and subcommand; what each does for its user is `USAGE`, which
`python -m bot --help` prints in the user's language."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

from bot import wiring
from bot.settings import Settings, SettingsError, load_settings
from bot.terminal import printable
from storage.atomic import make_private_dirs
from storage.layout import EXPORTS_DIR
from storage.repository import StorageError
from storage.tinydb_repo import TinyDBRepository
from workflows.cases import standing
from workflows.checklists.model import ChecklistError
from workflows.language import DEFAULT, LANGUAGES, N_, _, ngettext, use
from workflows.reference.actors import resolve_state, state_by_code, suggest_states
from workflows.reference.dates import DateParseError, parse_date, today_in
from workflows.reference.mandates import match_mandate
from workflows.report import Report, compile_report, file_stem, summary_text
from workflows.report.audit import record_confidential_request
from workflows.report.periods import Period, PeriodError, long_date, parse_period

SUBCOMMANDS = ("report", "import", "export", "backup", "restore", "demo")

# Translators: keep the command lines (python -m bot ...) and option names as they are.
USAGE = N_("""The follow-up bot and its tools on a data folder.

    python -m bot                       the Telegram bot (TELEGRAM_BOT_TOKEN)
    python -m bot --console [--as ID]   the same chat in this terminal, as any user of the bot
    python -m bot --console --lang fr   ... in French (or es; default: that user's language)
    python -m bot report --period 2017 --format docx
    python -m bot report --period "last session window" --state Burundi
    python -m bot report --period 2017 --format csv --out - | head
    python -m bot report --period 2017 --format docx --lang es   (en, fr or es; default en)
    python -m bot import records.xlsx --owner 11111111    (import --columns: what columns)
    python -m bot export
    python -m bot backup
    python -m bot restore backup.tar.gz --data-dir /srv/followup/data
    python -m bot demo --years 10 --seed 1 --data-dir demo-data

Reports, exports and backups are written to the data folder's owner-only exports/ folder
(the path is printed) unless --out names a file, or - for standard output; a report's text
summary is printed. Each command takes the data folder's lock, as the bot does, so it is
refused while the bot runs on the same folder (stop it first; in Telegram /report and
/export work meanwhile). `--as` must name a user of the bot; confidential variants
(`--confidential`) require an admin and are audit-logged under that id. Exit status: 0 done,
1 done with rows not imported (or output cut short by a closed pipe), 2 refused.
""")
OUT_HELP = N_("file to write, or - for standard output (default: a new file in DATA_DIR/exports/)")
DATA_DIR_HELP = N_("data folder (default: $FOLLOWUP_DATA_DIR or ./data)")
CONFIDENTIAL_HELP = N_("include names of victims (admins only, audit-logged)")
FORMATS = ("text", "docx", "csv", "png")
T = TypeVar("T")


class CliError(Exception):
    """A refusal to print as one line (exit status 2)."""


def run_cli(argv: list[str]) -> int:
    """Run one subcommand; `argv` starts with its name (e.g. ["report", "--period", "2016"])."""
    return run_parsed(parser().parse_args(argv))


def run_parsed(args: argparse.Namespace) -> int:
    """Run the subcommand `args` names. A reader that stops early (`| head`) ends the
    output quietly: no traceback, and nothing more is written to the closed pipe."""
    try:
        settings = load_settings(console=True, data_dir=args.data_dir)
        with use(getattr(args, "lang", None) or DEFAULT):  # a report in the asker's language
            return int(args.run(args, settings))
    except (CliError, SettingsError, StorageError, ChecklistError, PeriodError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail
        return 1


def parser() -> argparse.ArgumentParser:
    """The one parser of `python -m bot`: the bot's own options and every subcommand, so
    `python -m bot --help` lists them all."""
    top = argparse.ArgumentParser(
        prog="python -m bot", description=_(USAGE),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    top.add_argument("--console", action="store_true", help=_("chat in this terminal, no token"))
    top.add_argument(
        "--webhook", action="store_true", help=_("receive updates by webhook (TELEGRAM_WEBHOOK_*)")
    )
    top.add_argument("--data-dir", help=_(DATA_DIR_HELP))
    top.add_argument("--as", dest="actor",
                     help=_("with --console: act as this user (their role applies)"))  # fmt: skip
    top.add_argument("--lang", choices=LANGUAGES,
                     help=_("with --console: the session's language (default: the user's own); "
                            "with report or export: the output's (default en)"))  # fmt: skip
    commands = top.add_subparsers(dest="command", metavar="COMMAND", title=_("commands"))
    # SUPPRESS: an option left out after the command keeps the value given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=_(DATA_DIR_HELP))
    common.add_argument("--as", dest="actor", default=argparse.SUPPRESS,
                        help=_("your user id in the bot, recorded in the audit log"))  # fmt: skip
    # Reports and exports are written in the language of whoever asks (States, dates, words).
    speaking = argparse.ArgumentParser(add_help=False)
    speaking.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                          help=_("language of the output: en, fr or es (default en)"))  # fmt: skip

    report = commands.add_parser("report", parents=[common, speaking],
                                 help=_("the standardised report"))  # fmt: skip
    # Translators: keep the quoted periods in English: they are what --period reads.
    report.add_argument("--period", help=_('e.g. "2016", "last year", "March 2018 session"'))
    report.add_argument("--from", dest="start", help=_("first day, e.g. 2017-01-01"))
    report.add_argument("--to", dest="end", help=_("last day (default: today)"))
    report.add_argument("--mandate", help=_("one mandate, e.g. WGAD"))
    report.add_argument("--state", help=_("one State, e.g. Burundi or BDI"))
    report.add_argument("--format", choices=FORMATS, default="text")
    report.add_argument("--chart-by", choices=("state", "month"), default="state")
    report.add_argument("--out", type=Path,
                        help=_("file to write, a folder (the file is then named for the period, "
                               "mandate and State), or - for standard output (default: a new "
                               "file in DATA_DIR/exports/)"))  # fmt: skip
    report.add_argument("--confidential", action="store_true", help=_(CONFIDENTIAL_HELP))
    report.set_defaults(run=_report)

    load = commands.add_parser("import", parents=[common], help=_("load a CSV or XLSX file"))
    load.add_argument("file", type=Path, nargs="?")
    load.add_argument("--owner", help=_("owner of rows without an owner column"))
    load.add_argument("--kind", choices=("communication", "visit"),
                      help=_("kind of rows without a kind column"))  # fmt: skip
    load.add_argument("--dry-run", action="store_true", help=_("check every row, import nothing"))
    load.add_argument("--columns", action="store_true", help=_("list the columns and exit"))
    load.set_defaults(run=_import)

    export = commands.add_parser("export", parents=[common, speaking],
                                 help=_("everything as JSON"))  # fmt: skip
    export.add_argument("--out", type=Path, help=_(OUT_HELP))
    export.add_argument("--confidential", action="store_true", help=_(CONFIDENTIAL_HELP))
    export.set_defaults(run=_export)

    snapshot = commands.add_parser("backup", parents=[common], help=_("snapshot the data folder"))
    snapshot.add_argument("--out", type=Path, help=_(OUT_HELP))
    snapshot.set_defaults(run=_backup)

    restore = commands.add_parser("restore", parents=[common], help=_("restore a snapshot"))
    restore.add_argument("archive", type=Path)
    restore.add_argument("--force", action="store_true", help=_("replace a folder holding data"))
    restore.set_defaults(run=_restore)

    demo = commands.add_parser("demo", parents=[common], help=_("fill a folder with demo data"))
    demo.add_argument("--years", type=int, default=10, help=_("years of records (default 10)"))
    demo.add_argument("--seed", type=int, default=1, help=_("same seed, same data (default 1)"))
    demo.add_argument("--today", help=_("the data's last day (default: today)"))
    demo.set_defaults(run=_demo)
    return top


# ---- commands --------------------------------------------------------------------------


def _report(args: argparse.Namespace, settings: Settings) -> int:
    today = today_in(settings.timezone, datetime.now(UTC))
    mandate = _mandate(args.mandate) if args.mandate else None
    state = _state(args.state) if args.state else None
    profile = not (args.period or args.start) and bool(mandate or state)
    if profile:  # a State's or a mandate's profile: the whole record, from its first item
        known = state_by_code(state) if state else None
        who = known.name if known else state or mandate
        label = _("{who}: the whole record to {date}").format(who=who, date=today.isoformat())
        period = Period(RECORD_START, today, label)
    else:
        period = _period(args, today, settings.timezone)
    with wiring.opened(settings) as domain:
        repo = domain.repo
        actor = _actor(args, repo, confidential=args.confidential)
        report = compile_report(
            repo.iter_cases(), period.start, period.end, today=today, label=period.label,
            mandate=mandate, state=state, rules=domain.rules,
            overrides=repo.get_setting("deadline_overrides", {}),
            confidential=args.confidential, registry=domain.registry,
            standing_invitations=standing.invitations(repo), users=repo.list_users(),
            from_first_record=profile,
        )  # fmt: skip
        if report.confidential:
            record_confidential_request(repo, report, actor=actor, via="cli")
    # Named for what it holds (period, mandate, State; CONFIDENTIAL when it names victims);
    # the text summary is for reading: on screen unless --out names a file or folder.
    name = file_stem(report) + _SUFFIXES[args.format]
    out = args.out
    if out is not None and str(out) != "-" and out.is_dir():
        out = out / name
    else:
        out = _destination(out, settings, name, screen=args.format == "text")
    _write(out, lambda stream: _render(report, args.format, args.chart_by, stream))
    if out is not None:
        print(_("Wrote {path} ({label})").format(path=out, label=report.label), file=sys.stderr)
    return 0


#: File names given to a report written into a folder (--out FOLDER).
_SUFFIXES = {"text": ".txt", "docx": ".docx", "csv": ".csv", "png": "-reply-rate.png"}
RECORD_START = date(1980, 1, 1)


def _render(report: Report, fmt: str, chart_by: str, stream: BinaryIO) -> None:
    """The writers are imported here: python-docx and matplotlib are slow to import."""
    if fmt == "text":
        stream.write((printable(summary_text(report)) + "\n").encode("utf-8"))
    elif fmt == "docx":
        from workflows.report.docx_writer import write_docx

        write_docx(report, stream)
    elif fmt == "csv":
        from workflows.report.csv_writer import write_csv

        write_csv(report, stream)
    else:
        from workflows.report.chart import write_chart

        write_chart(report, stream, by="month" if chart_by == "month" else "state")


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from workflows.records.spreadsheet_import import ImportFileError, columns, import_file

    if args.columns:
        # Translators: "kind", "owner", "communication" and "visit" are column names and
        # values of the spreadsheet: keep them in English.
        print(_("kind (communication | visit), owner (user id), then:"))
        for kind, names in columns(wiring.registry()).items():
            print(f"{kind}:")
            print("\n".join(f"  {name:<22} {meaning}" for name, meaning in names))
        return 0
    if args.file is None:
        raise CliError(_("name the .csv or .xlsx file to import (or --columns)"))
    now = datetime.now(UTC)
    with wiring.opened(settings) as domain:
        repo = domain.repo
        try:
            result = import_file(
                args.file, repo, domain.registry, actor=_actor(args, repo), now=now,
                today=today_in(settings.timezone, now), tz=settings.timezone,
                owner=args.owner, kind=args.kind, dry_run=args.dry_run,
            )  # fmt: skip
        except (ImportFileError, OSError) as exc:
            raise CliError(str(exc)) from exc
    dry = _("Dry run, nothing saved.") + " " if args.dry_run else ""
    print(dry + printable(result.summary()))
    return 1 if result.problems else 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from workflows.records.export import export_json

    now = datetime.now(UTC)
    variant = "-CONFIDENTIAL" if args.confidential else ""
    out = _destination(args.out, settings, f"export{variant}-{now:%Y%m%dT%H%M%SZ}.json")
    with wiring.opened(settings) as domain:
        repo = domain.repo
        actor = _actor(args, repo, confidential=args.confidential)
        count = _write(out, lambda stream: export_json(
            repo, stream, registry=domain.registry, actor=actor, now=now,
            confidential=args.confidential,
        ))  # fmt: skip
    if out is not None:
        text = ngettext("Exported {n} case to {path}", "Exported {n} cases to {path}", count)
        print(text.format(n=count, path=out), file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from storage.backup import backup

    now = datetime.now(UTC)
    if args.out is not None and str(args.out) == "-":
        raise CliError(_("a backup is written to a file: give --out FILE or leave it out"))
    target = _destination(args.out, settings, f"followup-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz")
    assert target is not None
    with wiring.opened(settings) as domain:
        repo = domain.repo
        info = backup(repo, target, now=now)
        detail = {"files": info.files, "cases": info.cases, "bytes": info.size}
        repo.audit(actor=_actor(args, repo), action="backup", target=target.name, detail=detail)
    text = ngettext(
        "Backed up {n} case ({files} files) to {path}",
        "Backed up {n} cases ({files} files) to {path}",
        info.cases,
    )
    print(text.format(n=info.cases, files=info.files, path=target))
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from storage.restore import RestoreError

    actor = getattr(args, "actor", None) or _login()
    try:
        cases = wiring.restore_backup(args.archive, settings, actor=actor, force=args.force)
    except RestoreError as exc:
        raise CliError(str(exc)) from exc
    text = ngettext("Restored {n} case into {path}", "Restored {n} cases into {path}", cases)
    print(text.format(n=cases, path=settings.data_dir))
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    """Synthetic records for trying the bot and its report; refused on a folder with cases."""
    from workflows.demo import DemoError

    today = today_in(settings.timezone, datetime.now(UTC))
    if args.today:
        try:
            today = parse_date(args.today, today, settings.timezone)
        except DateParseError as exc:
            raise CliError(str(exc)) from exc
    try:
        summary = wiring.write_demo_folder(
            settings.data_dir, years=args.years, seed=args.seed, today=today,
            actor=getattr(args, "actor", None) or _login(),
        )  # fmt: skip
    except (DemoError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    print(_("{summary} Written to {path}.").format(summary=summary.line(), path=settings.data_dir))
    return 0


# ---- helpers -----------------------------------------------------------------------------


def _login() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in some containers
        return "cli"


def _actor(args: argparse.Namespace, repo: TinyDBRepository, confidential: bool = False) -> str:
    """Who is acting, for the audit log: `--as` must name a user of the bot; a confidential
    variant needs an admin."""
    actor = getattr(args, "actor", None)
    user = repo.get_user(actor) if actor else None
    if actor and user is None:
        raise CliError(
            _("--as {id}: no such user in this data folder (see /users)").format(id=actor)
        )
    if not confidential:
        return actor or _login()
    if user is None or user.get("role") != "admin":
        raise CliError(_("--confidential needs --as USER_ID of an admin of the bot"))
    return str(actor)


def _period(args: argparse.Namespace, today: date, tz: str) -> Period:
    if args.period:
        if args.start or args.end:
            raise CliError(_("give either --period or --from/--to, not both"))
        return parse_period(args.period, today, tz)
    if not args.start:
        # Translators: keep "last year" in English: it is what --period reads.
        raise CliError(_('which period? --period "last year" or --from 2017-01-01 --to 2017-12-31'))
    try:
        start = parse_date(args.start, today, tz)
        end = parse_date(args.end, today, tz) if args.end else today
    except DateParseError as exc:
        raise CliError(str(exc)) from exc
    if end < start:
        raise CliError(_("--to is before --from"))
    return Period(start, end, f"{long_date(start)} \N{EN DASH} {long_date(end)}")


def _mandate(text: str) -> str:
    found = match_mandate(text)
    if len(found) != 1:
        names = ", ".join(m.short_name for m in found) or _("none")
        problem = _("--mandate {text} must name exactly one mandate (matches: {names})")
        raise CliError(problem.format(text=repr(text), names=names))
    return found[0].short_name


def _state(text: str) -> str:
    state = resolve_state(text)
    if state is None:
        close = ", ".join(a.name for a in suggest_states(text)) or _("none")
        problem = _("--state {text} is not a State I know (close: {close})")
        raise CliError(problem.format(text=repr(text), close=close))
    return state.code


def _destination(
    out: Path | None, settings: Settings, name: str, screen: bool = False
) -> Path | None:
    """Where an output goes: the file --out names; standard output for `--out -` (or, for
    what is meant to be read on screen, no --out); otherwise `name` in the data folder's
    owner-only exports/ folder, so case data never lands wherever the command was run."""
    if out is not None:
        return None if str(out) == "-" else out
    if screen:
        return None
    folder = settings.data_dir.absolute() / EXPORTS_DIR
    make_private_dirs(folder)
    return folder / name


def _write(out: Path | None, write: Callable[[BinaryIO], T]) -> T:
    if out is None:
        result = write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return result
    # Exports and reports hold case data: owner-only, whatever the umask (as backups are),
    # and never written through a symbolic link (it could point anywhere).
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            problem = _("{path} is a symbolic link; give the path of the file itself")
            raise CliError(problem.format(path=out)) from None
        problem = _("cannot write {path}: {reason}")
        raise CliError(problem.format(path=out, reason=exc.strerror or exc)) from None
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as stream:
        return write(stream)
