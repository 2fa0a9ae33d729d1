"""Property: whatever a user sends, the engine never raises and never loses a confirmed answer.

Random sequences of inputs (arbitrary text with control characters, emoji, right-to-left
script and markup; plausible answers; taps on real and forged choices; skip, back, review,
edit; files) are fed to every shipped checklist. A model tracks what the engine confirmed
("Saved: ...") and the test checks the run still holds exactly those answers, and that the
same run read back from storage is identical.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.tinydb_repo import open_repository
from workflows.cases.service import CaseService, Clock
from workflows.checklists import engine
from workflows.checklists.model import Registry

REGISTRY = Registry.from_folder()
#: (kind of case, checklist): a checklist for any kind (reprisal) is tried on both.
CHECKLISTS = [(kind, c) for kind in ("communication", "visit") for c in REGISTRY.for_kind(kind)]
PLAUSIBLE = [
    "15/03/2017", "yesterday", "3 weeks ago", "31/02/2017", "soon", "Burundi", "BDI",
    "Shell plc", "Türkiye", "WGAD", "WGAD, SR HRDs", "women", "1", "2", "1, 3", "yes", "no",
    "12", "-4", "nan", "AL BDI 1/2017", "A/HRC/35/23/Add.1", "", "   ", "<b>x</b> & *_[",
    "x" * 5000, "مرحبا", "👮‍♀️", "\x00\x07\x1b[31m",
]  # fmt: skip
FILE = {"name": "letter.pdf", "size": 1024, "mime": "application/pdf", "sha256": "0" * 64}

PICKS = ["AL", "JUA", "yes", "no", "other", "retype", "save", "BDI"]
texts = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=200))
inputs = st.one_of(
    texts.map(engine.Text),
    st.one_of(st.sampled_from(PICKS), texts).map(engine.Pick),
    st.just(engine.Skip()),
    st.just(engine.Back()),
    st.just(engine.Review()),
    st.sampled_from(sorted({q.id for _, c in CHECKLISTS for q in c.questions})).map(engine.Edit),
    st.just(engine.Attach(FILE)),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(index=st.integers(0, len(CHECKLISTS) - 1), steps=st.lists(inputs, max_size=25))
def test_engine_never_raises_and_never_loses_a_confirmed_answer(
    index: int, steps: list[engine.Input]
) -> None:
    kind, checklist = CHECKLISTS[index]
    with tempfile.TemporaryDirectory() as folder:
        repo = open_repository(folder)
        try:
            service = CaseService(repo, REGISTRY, Clock(lambda: datetime(2017, 5, 15, tzinfo=UTC)))
            case, _ = service.create(kind, "officer")
            run_index = 0
            if checklist.stage != "intake":
                case["runs"][0]["status"] = "done"
                run_index, _ = service.start_run(case, checklist.id, "officer")
            confirmed: dict[str, Any] = {}
            for inp in steps:
                position = case["runs"][run_index]["position"]
                step = service.apply(case, run_index, inp, "officer")
                _update_model(confirmed, position, step)
                answers = step.run["answers"]
                assert {k: answers.get(k) for k in confirmed} == confirmed
                assert repo.get_case(case["id"])["runs"][run_index] == step.run
        finally:
            repo.close()


def _update_model(confirmed: dict[str, Any], position: str | None, step: engine.Step) -> None:
    if position is None:
        return
    if step.notes and step.notes[0].startswith("Saved:"):
        confirmed[position] = step.run["answers"][position]
    elif step.notes[:1] == ["Skipped."]:
        confirmed.pop(position, None)
