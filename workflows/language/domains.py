"""Which source files feed which catalogue ("domain"), and how their strings are found.

One domain per area of the code, so each area's ``.po`` file can be translated and reviewed
on its own. Paths are relative to the project root; a file belongs to the first domain whose
patterns match it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Domain:
    name: str
    # (glob pattern relative to ROOT, Babel extraction method)
    sources: tuple[tuple[str, str], ...]
    excludes: tuple[str, ...] = ()


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "report",
        (("workflows/report/**/*.py", "python"),),
    ),
    Domain(
        "deadlines",
        (("workflows/deadlines/**/*.py", "python"),),
    ),
    Domain(
        "checklists",
        (("workflows/checklists/*.toml", "workflows.language.toml_extract:extract_toml"),),
    ),
    Domain(
        "chat",
        (("workflows/**/*.py", "python"),),
        excludes=("workflows/report/**", "workflows/demo/**", "workflows/language/**"),
    ),
    Domain("bot", (("bot/**/*.py", "python"),)),
)


def files(domain: Domain) -> list[tuple[Path, str]]:
    """The files of ``domain`` with their extraction method, in a stable order; a file an
    earlier domain claims is left out (workflows/alerts.py is "deadlines", not "chat")."""
    earlier = DOMAINS[: DOMAINS.index(domain)] if domain in DOMAINS else ()
    claimed = {path for other in earlier for path in _matched(other)}
    own = _matched(domain).items()
    return sorted((path, method) for path, method in own if path not in claimed)


def _matched(domain: Domain) -> dict[Path, str]:
    """Every file the domain's own patterns select, with its extraction method."""
    found: dict[Path, str] = {}
    for pattern, method in domain.sources:
        for path in sorted(ROOT.glob(pattern)):
            rel = path.relative_to(ROOT)
            if not any(rel.match(ex) or _under(rel, ex) for ex in domain.excludes):
                found.setdefault(path, method)
    return found


def _under(rel: Path, pattern: str) -> bool:
    """``pattern`` "a/b/**" covers everything below a/b (Path.match has no ** before 3.13)."""
    return pattern.endswith("/**") and rel.as_posix().startswith(pattern[:-2])
