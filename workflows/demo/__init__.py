"""Synthetic but realistic demo data: `python -m bot demo --years 10 --seed 1`.

Why: a newcomer should see the bot, its reminders and its report on data that looks like a
real Special Procedures branch, and benchmarks should run on that same shape of data. The
figures are calibrated to DESIGN.md "Scale" (500-650 communications a year to about 120
States and 25-75 other actors, replies 60-70%, follow-up on about a third, 2-3 visit requests
per mandate a year with every kind of outcome, a few reprisal cases); see the docstrings of
`communications` and `visits` for how.

Every case is what the chat checklists would have produced (answers in their stored forms,
skipped questions listed, skip logic respected; `runs.CaseBuilder` checks this against the
checklist files). Names of people concerned are obvious placeholders ("[demo] Person 0412").
The same seed and "today" always give the same bytes.

    demo = generate(years=10, seed=1, today=date(2026, 5, 31))   # pure, no I/O
    summary = write_demo(data_dir, years=10, seed=1, today=...)  # into a folder without cases
    print(summary.line())
"""

from __future__ import annotations

from workflows.demo.generate import MAX_YEARS, Demo, generate, windows
from workflows.demo.runs import DemoDataError
from workflows.demo.write import DemoError, Summary, summarise, write_demo

__all__ = [
    "MAX_YEARS",
    "Demo",
    "DemoDataError",
    "DemoError",
    "Summary",
    "generate",
    "summarise",
    "windows",
    "write_demo",
]
