"""Facts read from a case, worked out once per case while one report is compiled.

Why: a report reads the same few facts of every case (date sent, first reply, addressees,
the answers of one checklist) from a dozen places, one section after another; on a
14-year record that is hundreds of thousands of walks over the same runs. The report
compiles over `Remembered` copies of its cases: each keeps its runs grouped by checklist
and the results of the accessors decorated with `per_case`, computed on first use. Any
other caller (reminders, the chat, search) passes the stored dict, and every call reads it
afresh, as before.

Safe because the report never changes a case while compiling it, and a `Remembered` copy
lives only as long as the compile. Callers must not modify what a remembered accessor
returns (nothing in the report does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()


class Remembered(dict[str, Any]):
    """A case (a shallow copy) that remembers facts read from it; see the module's doc."""

    __slots__ = ("by_checklist", "intake", "memo")

    def __init__(self, case: Mapping[str, Any]) -> None:
        super().__init__(case)
        self.memo: dict[Any, Any] = {}
        self.by_checklist: dict[str, list[dict[str, Any]]] = {}
        runs = self.get("runs") or ()
        for run in runs:
            self.by_checklist.setdefault(run["checklist"], []).append(run["answers"])
        #: The first run's answers (deadlines.intake).
        self.intake: dict[str, Any] = runs[0]["answers"] if runs else {}


def per_case(accessor: Callable[..., T]) -> Callable[..., T]:
    """Remember `accessor(case, *args)` (args hashable) on a `Remembered` case."""
    name = accessor.__qualname__

    @wraps(accessor)
    def wrapper(case: Mapping[str, Any], *args: Any) -> T:
        if type(case) is not Remembered:
            return accessor(case, *args)
        key = (name, *args)
        found = case.memo.get(key, _MISSING)
        if found is _MISSING:
            found = case.memo[key] = accessor(case, *args)
        return found

    @wraps(accessor)
    def of_case(case: Mapping[str, Any]) -> T:  # the same, a little quicker: no arguments
        if type(case) is not Remembered:
            return accessor(case)
        found = case.memo.get(name, _MISSING)
        if found is _MISSING:
            found = case.memo[name] = accessor(case)
        return found

    return of_case if accessor.__code__.co_argcount == 1 else wrapper
