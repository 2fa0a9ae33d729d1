"""Turning what a user typed into a stored answer, or into a clear re-ask.

Each question type has one parser. A parser returns the value to store and an
echo (how the bot confirms it, e.g. "Mon 15 May 2017"), or raises `AnswerError`
whose message says why and shows an example, or returns `NeedsConfirmation` when
the input is plausible but must be confirmed (an addressee that is not a State).

Stored forms are plain JSON: dates as ISO strings, yes/no as booleans, actors as
{"code", "name", "kind"} dicts, mandates as lists of short names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from workflows.cases.references import (
    JOINT_TYPES,
    TYPES,
    Reference,
    parse_reference,
    series_of,
    split_references,
)
from workflows.checklists.model import Choice, Question
from workflows.language import N_, _
from workflows.reference.actors import (
    Actor,
    display_name,
    other_actor,
    resolve_state,
    suggest_states,
    un_name,
)
from workflows.reference.dates import DateParseError, format_date, parse_date, parse_iso
from workflows.reference.mandates import match_mandate, parse_mandates

COMM_TYPES = TYPES
_SPLIT = re.compile(r"\s*[,;\n]\s*")
_NUMBER = re.compile(r"[0-9]{1,4}")
_YES = frozenset({"yes", "y", "oui", "si", "sí", "true", "1"})
_NO = frozenset({"no", "n", "non", "false", "2"})
ANSWER_OTHER_ACTOR = "other"
ANSWER_RETYPE = "retype"


class AnswerError(ValueError):
    """The input cannot be accepted; str() is the user-facing reason with an example."""


@dataclass(frozen=True)
class Parsed:
    value: Any
    echo: str


@dataclass(frozen=True)
class NeedsConfirmation:
    """Input that needs one more tap before it is stored (kept in the run as `pending`)."""

    pending: dict[str, Any]
    message: str
    choices: tuple[Choice, ...]


@dataclass
class AnswerContext:
    """What parsers may know beyond the text: the user's today and the case so far."""

    today: date
    tz: str = "Europe/Geneva"
    names: Mapping[str, Any] = field(default_factory=dict)
    next_reference_number: Callable[[str, int], int] = lambda iso3, year: 1
    reference_taken: Callable[[str], bool] = lambda reference: False


#: Earlier answers a validator checks an answer against. When one of them changes, an answer
#: given before is checked again and, if it no longer fits, cleared so it is asked again:
#: a reference per addressee must follow the addressees, the type and the year sent.
VALIDATOR_INPUTS: dict[str, frozenset[str]] = {
    "reference": frozenset({"addressees", "comm_type", "date_sent"}),
}


def parse_answer(q: Question, text: str, ctx: AnswerContext) -> Parsed | NeedsConfirmation:
    """Parse `text` for question `q` (file questions take `Attach`, not text)."""
    if q.type != "text" and not text.strip():
        raise AnswerError(_("This needs an answer.") + f" {_example(q)}")
    parsed = _PARSERS[q.type](q, text, ctx)
    if isinstance(parsed, Parsed):
        _check_rules(q, parsed.value, ctx)
    return parsed


def _text(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    if q.required and not text.strip():
        raise AnswerError(_("This needs an answer; an empty message cannot be saved."))
    if q.validator == "reference":
        return _reference(text, ctx)
    if q.validator == "followup_reference":
        return _followup_reference(text, ctx)
    if q.pattern and not q.pattern.fullmatch(text.strip()):
        raise AnswerError(q.pattern_message)
    return Parsed(text, text)


def _yesno(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    word = text.strip().lower()
    if word in _YES:
        return Parsed(True, _("Yes"))
    if word in _NO:
        return Parsed(False, _("No"))
    raise AnswerError(_("Please answer yes or no (or tap a button)."))


def _choice(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    choice = _match_choice(q, text.strip())
    if choice is None:
        options = ", ".join(c.label for c in q.choices)
        raise AnswerError(
            _("That is not one of the options. Choose one of: {options}.").format(options=options)
        )
    return Parsed(choice.value, choice.label)


def _multi(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    picked: list[Choice] = []
    for item in _SPLIT.split(text.strip()):
        choice = _match_choice(q, item)
        if choice is None:
            options = ", ".join(f"{i}. {c.label}" for i, c in enumerate(q.choices, 1))
            raise AnswerError(
                _(
                    "I do not know the option {option}. Give numbers or names separated by "
                    "commas, for example 1, 3. Options: {options}."
                ).format(option=repr(item), options=options)
            )
        if choice not in picked:
            picked.append(choice)
    return Parsed([c.value for c in picked], ", ".join(c.label for c in picked))


def _match_choice(q: Question, text: str) -> Choice | None:
    folded = text.casefold()
    if _NUMBER.fullmatch(folded) and 1 <= int(folded) <= len(q.choices):
        return q.choices[int(folded) - 1]
    return next((c for c in q.choices if folded in (c.value.casefold(), c.label.casefold())), None)


def _date(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    try:
        value = parse_date(text, ctx.today, ctx.tz, past=_about_the_past(q, ctx))
    except DateParseError as exc:
        raise AnswerError(str(exc)) from None
    return Parsed(value.isoformat(), format_date(value))


def _about_the_past(q: Question, ctx: AnswerContext) -> bool:
    """Whether the question asks when something happened: its constraint, given the answers
    so far, refuses tomorrow. Then "3 March" means the most recent 3 March."""
    if q.constraint is None:
        return False
    tomorrow = (ctx.today + timedelta(days=1)).isoformat()
    names = {**ctx.names, "value": tomorrow, "today": ctx.today.isoformat()}
    return not q.constraint.evaluate(names)


def _number(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    try:
        number = float(text.strip().replace(",", "."))
    except ValueError:
        raise AnswerError(_("Please type a number, for example 12.")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise AnswerError(_("Please type an ordinary number, for example 12."))
    if q.integer and not number.is_integer():
        raise AnswerError(_("Please type a whole number, for example 35."))
    value: int | float = int(number) if number.is_integer() else number
    if q.minimum is not None and value < q.minimum:
        raise AnswerError(_("The number must be at least {n}.").format(n=f"{q.minimum:g}"))
    if q.maximum is not None and value > q.maximum:
        raise AnswerError(_("The number must be at most {n}.").format(n=f"{q.maximum:g}"))
    return Parsed(value, str(value))


def _actor(q: Question, text: str, ctx: AnswerContext) -> Parsed | NeedsConfirmation:
    items = [i for i in _SPLIT.split(text.strip()) if i]
    if len(items) > 1 and not q.multiple:
        raise AnswerError(_("Please name one State only, for example Burundi or BDI."))
    resolved: list[Actor] = []
    unknown: list[str] = []
    for item in items:
        state = resolve_state(item)
        if state is not None:
            resolved.append(state)
        else:
            unknown.append(item)
    if not unknown:
        return _actors_parsed(q, resolved)
    if q.states_only:
        hint = _("Type a State name or code, e.g. Burundi.")
        raise AnswerError(_not_a_state(unknown[0], hint))
    for name in unknown:
        try:
            other_actor(name)
        except ValueError as exc:
            briefly = _("Name the company or organisation briefly.")
            raise AnswerError(f"{exc} {briefly}") from None
    return _confirm_other(resolved, unknown)


def _not_a_state(name: str, hint: str) -> str:
    close = ", ".join(a.name for a in suggest_states(name))
    unknown = _("I do not know {name} as a State.").format(name=repr(name))
    guess = " " + _("Did you mean {states}?").format(states=close) if close else ""
    return f"{unknown}{guess} {hint}"


def _confirm_other(resolved: list[Actor], unknown: list[str]) -> NeedsConfirmation:
    names = ", ".join(f"“{u}”" for u in unknown)
    choices = [Choice(ANSWER_OTHER_ACTOR, _("Yes, record as other actor"))]
    if len(unknown) == 1:
        choices += [Choice(a.code, a.name) for a in suggest_states(unknown[0], limit=3)]
    choices.append(Choice(ANSWER_RETYPE, _("No, type again")))
    return NeedsConfirmation(
        pending={"resolved": [_actor_dict(a) for a in resolved], "unknown": unknown},
        message=_(
            "{names} is not a State I know. Record it as an other actor "
            "(company, international organisation, armed group)?"
        ).format(names=names),
        choices=tuple(choices),
    )


def confirm_pending(q: Question, pending: dict[str, Any], pick: str) -> Parsed | None:
    """Apply the user's tap on a pending other-actor confirmation; None means re-ask."""
    resolved = [Actor(**a) for a in pending["resolved"]]
    if pick == ANSWER_OTHER_ACTOR:
        return _actors_parsed(q, resolved + [other_actor(u) for u in pending["unknown"]])
    state = resolve_state(pick) if len(pick) == 3 else None
    if state is not None and len(pending["unknown"]) == 1:
        return _actors_parsed(q, [*resolved, state])
    return None


def _actors_parsed(q: Question, actors: list[Actor]) -> Parsed:
    unique = list(dict.fromkeys(actors))
    value: Any = [_actor_dict(a) for a in unique] if q.multiple else _actor_dict(unique[0])
    return Parsed(value, ", ".join(_actor_label(a) for a in unique))


def _actor_dict(actor: Actor) -> dict[str, str]:
    """What is stored: a State under its English UN name, whatever language it was typed in."""
    name = (un_name(actor.code) if actor.kind == "state" else None) or actor.name
    return {"code": actor.code, "name": name, "kind": actor.kind}


def _actor_label(actor: Actor) -> str:
    name = display_name(_actor_dict(actor))  # in the reader's language
    if actor.kind == "state":
        return f"{name} ({actor.code})"
    return _("{name} (other actor)").format(name=name)


def _mandate(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    found, unmatched = parse_mandates(text)
    if unmatched:
        raise AnswerError(_mandate_problem(unmatched[0]))
    if len(found) > 1 and not q.multiple:
        raise AnswerError(_("Please name one mandate only, for example WGAD."))
    names = [m.short_name for m in found]
    return Parsed(names, ", ".join(names))


def _mandate_problem(item: str) -> str:
    candidates = match_mandate(item)
    if candidates:
        listed = "; ".join(m.short_name for m in candidates)
        return _(
            "{mandate} matches several mandates: {listed}. Use the short names, e.g. WGAD."
        ).format(mandate=repr(item), listed=listed)
    return _(
        "I do not know the mandate {mandate}. Use a short name or title, e.g. WGAD, SR HRDs."
    ).format(mandate=repr(item))


def _file(q: Question, text: str, ctx: AnswerContext) -> Parsed:
    raise AnswerError(_("Please send the document as a file (PDF, Word or image)."))


_FORM = N_("TYPE ISO3 number/year, for example AL BDI 2/2017 (OTH for companies and other actors)")


def _reference(text: str, ctx: AnswerContext) -> Parsed:
    """One reference per addressee: each letter of a group has its own (OHCHR numbers every
    addressee's letters in its own series), in the addressees' order once accepted."""
    references = [_one_reference(piece) for piece in split_references(text)]
    if not references:
        raise AnswerError(_("A reference looks like {form}.").format(form=_(_FORM)))
    actors = _actors(ctx.names.get("addressees"))
    if actors and len(references) != len(actors):
        wanted = ", ".join(series_of(a) for a in actors)
        raise AnswerError(
            _(
                "Each addressee gets its own letter and reference: give {n}, "
                "separated by commas, in the series {series}."
            ).format(n=len(actors), series=wanted)
        )
    expected = _current_type(ctx.names.get("comm_type"))
    for reference in references:
        if expected and reference.type != expected:
            raise AnswerError(
                _("This is an {type}: every reference must start {type}.").format(type=expected)
            )
    ordered = _in_addressee_order(references, actors) if actors else references
    sent = ctx.names.get("date_sent")
    _check_year(ordered, parse_iso(sent).year if sent else None, "sent")
    return _free(ordered, ctx)


def _followup_reference(text: str, ctx: AnswerContext) -> Parsed:
    """A follow-up letter's own reference, in the series of the letter it follows up."""
    pieces = split_references(text)
    if len(pieces) != 1:
        raise AnswerError(
            _("Give the follow-up letter's one reference: {form}.").format(form=_(_FORM))
        )
    reference = _one_reference(pieces[0])
    codes = [series_of(a) for a in _actors(ctx.names.get("addressees"))]
    if codes and reference.series not in codes:
        raise AnswerError(
            _("A follow-up letter is numbered in the series {series}.").format(
                series=", ".join(codes)
            )
        )
    when = ctx.names.get("action_date")
    _check_year([reference], parse_iso(when).year if when else None, "followup")
    return _free([reference], ctx)


def _one_reference(piece: str) -> Reference:
    reference = parse_reference(piece)
    if reference is None:
        raise AnswerError(
            _("{text} is not a reference. A reference looks like {form}.").format(
                text=repr(piece), form=_(_FORM)
            )
        )
    if reference.type not in TYPES:
        current = Reference(
            reference.current_type, reference.series, reference.number, reference.year
        )
        raise AnswerError(
            _("References say AL, UA or OL even for a joint letter: {reference}.").format(
                reference=current
            )
        )
    return reference


def _in_addressee_order(
    references: list[Reference], actors: list[dict[str, str]]
) -> list[Reference]:
    """Each addressee's reference, matched by series (two companies take OTH in turn)."""
    left = list(references)
    ordered = []
    for actor in actors:
        found = next((r for r in left if r.series == series_of(actor)), None)
        if found is None:
            raise AnswerError(
                _(
                    "No reference in the series {series} for {addressee}; "
                    "each addressee's reference uses its ISO3 code, or OTH for other actors."
                ).format(series=series_of(actor), addressee=actor.get("name"))
            )
        left.remove(found)
        ordered.append(found)
    return ordered


def _check_year(references: list[Reference], year: int | None, what: str) -> None:
    """`what` is "sent" (the letter) or "followup" (the follow-up letter)."""
    if year is not None and any(r.year != year for r in references):
        message = (
            _("The year must be the year the letter was sent ({year}).")
            if what == "sent"
            else _("The year must be the year the follow-up was sent ({year}).")
        )
        raise AnswerError(message.format(year=year))


def _free(references: list[Reference], ctx: AnswerContext) -> Parsed:
    texts = [str(r) for r in references]
    if len(set(texts)) != len(texts):
        raise AnswerError(_("The same reference is given twice; each letter has its own."))
    for text in texts:
        if ctx.reference_taken(text):
            raise AnswerError(
                _("{reference} is already used by another case.").format(reference=text)
            )
    value = ", ".join(texts)
    return Parsed(value, value)


def suggest(kind: str, names: Mapping[str, Any], ctx: AnswerContext) -> str | None:
    """The suggested answer of a `suggest = ...` question, if what it needs is known."""
    if kind == "followup_reference":
        return _suggest_followup(names, ctx)
    return suggest_reference(names, ctx)


def suggest_reference(names: Mapping[str, Any], ctx: AnswerContext) -> str | None:
    """The next free number in each addressee's series for the year sent, one per letter."""
    kind, sent = _current_type(names.get("comm_type")), names.get("date_sent")
    actors = _actors(names.get("addressees"))
    if not (kind and sent and actors):
        return None
    year = parse_iso(sent).year
    taken: dict[str, int] = {}
    references = []
    for actor in actors:
        series = series_of(actor)
        number = ctx.next_reference_number(series, year) + taken.get(series, 0)
        taken[series] = taken.get(series, 0) + 1
        references.append(f"{kind} {series} {number}/{year}")
    return ", ".join(references)


def _suggest_followup(names: Mapping[str, Any], ctx: AnswerContext) -> str | None:
    kind, when = _current_type(names.get("comm_type")), names.get("action_date")
    actors = _actors(names.get("addressees"))
    if not (kind and when and actors):
        return None
    year, series = parse_iso(when).year, series_of(actors[0])
    return f"{kind} {series} {ctx.next_reference_number(series, year)}/{year}"


def _current_type(value: Any) -> str | None:
    return JOINT_TYPES.get(value, value) if isinstance(value, str) and value else None


def _actors(value: Any) -> list[dict[str, str]]:
    return value if isinstance(value, list) else [value] if value else []


def _check_rules(q: Question, value: Any, ctx: AnswerContext) -> None:
    if q.constraint is None:
        return
    names = {**ctx.names, "value": value, "today": ctx.today.isoformat()}
    if not q.constraint.evaluate(names):
        raise AnswerError(q.constraint_message)


def _example(q: Question) -> str:
    example = {
        "date": N_("For example 15/03/2017, 15 March 2017 or yesterday."),
        "actor": N_("For example Burundi or BDI."),
        "mandate": N_("For example WGAD, SR HRDs."),
        "number": N_("For example 12."),
        "yesno": N_("Answer yes or no."),
    }.get(q.type, N_("Choose one of the options."))
    return _(example)


def display(q: Question, value: Any) -> str:
    """How a stored answer reads back to a person (review screens, case cards)."""
    if value is None:
        return "—"
    match q.type:
        case "yesno":
            return _("Yes") if value else _("No")
        case "choice":
            return q.choice_label(value)
        case "multi":
            return ", ".join(q.choice_label(v) for v in value)
        case "date":
            return format_date(parse_iso(value))
        case "actor":
            actors = value if isinstance(value, list) else [value]
            return ", ".join(_actor_label(Actor(**{**a, "name": display_name(a)})) for a in actors)
        case "mandate":
            return ", ".join(value)
        case "file":
            return f"{value['name']} ({max(1, round(value['size'] / 1024))} KB)"
    return str(value)


_PARSERS: dict[str, Callable[[Question, str, AnswerContext], Parsed | NeedsConfirmation]] = {
    "text": _text,
    "yesno": _yesno,
    "choice": _choice,
    "multi": _multi,
    "date": _date,
    "number": _number,
    "actor": _actor,
    "mandate": _mandate,
    "file": _file,
}
