"""Each user's language: kept in their user record, set once at first contact, then /language.

The record's ``language`` field is optional, so no schema change is needed: a record without
it (every user before this field existed, the console's own user, a user granted access who
has not written yet) reads as English. The first time such a user writes from Telegram, the
language of their Telegram app (``language_code``: French, Spanish, otherwise English) is
written into their record, and never again: from then on only ``/language`` changes it, so
a choice made there wins over whatever the app says later.

Transports answer each update inside ``with use(speaking(user, transport_language))``; the
reminder sweep and the digest use ``language_of`` of each receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.repository import Repository
from workflows.chat.views import Button, Reply
from workflows.language import DEFAULT, LANGUAGES, N_, _, current, language_name, use
from workflows.reference.text import fold

#: The user record's field.
FIELD = "language"
#: The prefix of the /language buttons' tokens ("lg:fr").
TOKEN = "lg"

# Said in the language just chosen, so each names that language as its own speakers do.
_CHOSEN = {
    "en": N_("From now on I write to you in English."),
    "fr": N_("From now on I write to you in French."),
    "es": N_("From now on I write to you in Spanish."),
}


def language_of(user: Mapping[str, Any] | None) -> str:
    """The language a user record asks for; English for a record without one (or none)."""
    lang = (user or {}).get(FIELD)
    return lang if lang in LANGUAGES else DEFAULT


def speaking(user: Mapping[str, Any] | None, transport_language: str | None) -> str:
    """The language to answer in: the record's, or at first contact (a record that has none
    yet, or no record: a stranger) the one the transport reports, if it reports one."""
    if user is not None and FIELD in user:
        return language_of(user)
    return transport_language if transport_language in LANGUAGES else DEFAULT


def at_first_contact(user: dict[str, Any], transport_language: str | None) -> dict[str, Any]:
    """The record with the transport's language added if it has none yet (first contact);
    unchanged otherwise, and unchanged for a transport that reports none (the console)."""
    if FIELD in user or transport_language not in LANGUAGES:
        return user
    return {**user, FIELD: transport_language}


def command(repo: Repository, user: dict[str, Any], arg: str) -> Reply:
    """``/language``: the three languages as buttons, each named in itself; ``/language fr``
    (or ``/language Español``) chooses at once."""
    if arg:
        chosen = parse(arg)
        if chosen is None:
            return Reply(_("Choose English, Français or Español."), _buttons(), error=True)
        return choose(repo, user, chosen)
    text = _("Current language: {language}. In which language should I write to you?").format(
        language=language_name(current())
    )
    return Reply(text, _buttons())


def choose(repo: Repository, user: dict[str, Any], lang: str) -> Reply:
    """Keep the choice in the user's record and say so in the language chosen."""
    if lang not in LANGUAGES:
        return Reply(_("That button is out of date; type /language again."), error=True)
    if user.get(FIELD) != lang:
        repo.put_user({**user, FIELD: lang}, actor=str(user["id"]))
    with use(lang):
        return Reply(_(_CHOSEN[lang]))


def _buttons() -> list[Button]:
    return [Button(language_name(lang), f"{TOKEN}:{lang}") for lang in LANGUAGES]


def parse(arg: str) -> str | None:
    """A language typed after /language: its code, or its name in any of the three."""
    typed = fold(arg.strip())
    return next((lang for lang in LANGUAGES if typed == lang or typed in _names_of(lang)), None)


# The languages' names in English, translated in the catalogues, so that "/language
# francés" or "/language anglais" are understood too.
_NAMES = {"en": N_("English"), "fr": N_("French"), "es": N_("Spanish")}


def _names_of(lang: str) -> set[str]:
    """Every name of ``lang`` in the three languages, folded ("francais", "frances"...)."""
    found = {fold(language_name(lang))}
    for speaker in LANGUAGES:
        with use(speaker):
            found.add(fold(_(_NAMES[lang])))
    return found
