"""Every string the code marks for translation has a French and a Spanish translation.

The template is extracted from the code at test time (not read from a generated file), so
wrapping a new string in ``_()`` without translating it fails here, naming the string.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from workflows.language.catalogue import LOCALE_DIR
from workflows.language.domains import DOMAINS
from workflows.language.extraction import template

TRANSLATED = ("fr", "es")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdif]|%[sdif]")


def _po(lang: str, domain: str):
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"no catalogue {path}: run python -m workflows.language.update"
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_string_is_translated_with_the_same_placeholders(domain, lang):
    pot = template(domain)
    po = _po(lang, domain.name)
    problems = []
    for message in pot:
        if not message.id:
            continue
        found = po.get(message.id, context=message.context)
        english = _forms(message.id)
        if found is None or found.fuzzy or not all(_forms(found.string)):
            problems.append(f"untranslated: {english[0]!r}")
            continue
        for form in _forms(found.string):
            if _placeholders(form) != _placeholders(english[-1]):
                problems.append(f"placeholders differ: {english[0]!r} -> {form!r}")
    assert not problems, f"{domain.name}/{lang}: " + "\n".join(problems[:40])


def test_a_wrapped_string_is_found_by_the_extractor(tmp_path, monkeypatch):
    """The check above is only as good as extraction: a new _() call must be seen."""
    from workflows.language import domains

    source = tmp_path / "workflows" / "probe.py"
    source.parent.mkdir()
    source.write_text('from workflows.language import _\nX = _("A probe {n}")\n')
    monkeypatch.setattr(domains, "ROOT", tmp_path)
    chat = next(d for d in DOMAINS if d.name == "chat")
    assert [m.id for m in template(chat) if m.id] == ["A probe {n}"]
