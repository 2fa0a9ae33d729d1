"""The bot's three working languages (English, French, Spanish), as gettext with Babel.

Every user-facing string in code is written in English inside ``_()`` (or ``N_()`` where it
must be translated later, e.g. a module-level table, or ``ngettext()`` for counts), with named
``{placeholders}`` filled by ``.format`` *after* translation. English is the reference text: a
string missing from a catalogue shows in English, and a test fails until it is translated.

Which language is "current" is a context variable, not an argument threaded through every
function: the transport sets it once per update from the user's record (``use``), the
reminder sweep once per receiver, the CLI from ``--lang``. Catalogues are the ``.po`` files in
``workflows/language/locale/<lang>/LC_MESSAGES/<domain>.po``, one domain per area of the code
(see ``domains.py``) so that each area's translations can be reviewed on their own; they are
compiled in memory the first time a language is used.
"""

from __future__ import annotations

from workflows.language.current import (
    DEFAULT,
    LANGUAGES,
    N_,
    _,
    current,
    from_telegram,
    language_name,
    ngettext,
    pgettext,
    use,
)

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "_",
    "current",
    "from_telegram",
    "language_name",
    "ngettext",
    "pgettext",
    "use",
]
