"""Babel extraction method for checklist TOML files (referenced by name in ``domains.py``).

Checklists are data, so their words are found by key rather than by a ``_()`` call: every
string value under one of ``TEXT_KEYS``, at any depth (questions, choices, ...). The line
number is that of the value's first occurrence, good enough for a translator to find it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

# What the user reads. Ids, values, types and expressions are code and never translated.
TEXT_KEYS = frozenset({"title", "label", "prompt", "help", "constraint_message", "pattern_message"})


def extract_toml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield ``(lineno, funcname, message, comments)`` as Babel's extractors do."""
    raw = fileobj.read().decode("utf-8")
    lines = raw.splitlines()
    for key, text in _texts(tomllib.loads(raw)):
        yield _line_of(lines, text), "_", text, [f"checklist {key}"]


def _texts(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k in TEXT_KEYS and isinstance(v, str):
                yield k, v
            else:
                yield from _texts(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item, key)


def _line_of(lines: list[str], text: str) -> int:
    needle = text.replace("\\", "\\\\").replace('"', '\\"')[:40]
    for number, line in enumerate(lines, start=1):
        if needle in line:
            return number
    return 1
