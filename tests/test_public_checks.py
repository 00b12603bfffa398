"""The public checks a student runs (the notebook's check cells, `pytest assignments/<id>`)
accept exactly what the hidden graders accept, and name the function to fix first.

Every honest variant of every assignment's mutant catalogue earns full marks from the hidden
graders (tests/test_mutants.py); here each one must pass every public check too, run by the
released runner exactly as `pytest assignments/<id>` runs them (up to the variant's own check:
the checks after it would only run the same code again, slowly for a loop-based variant).
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.samples import answered_release, write_submission
from conftest import COURSE
from mutants import catalogue

HONEST = [(a.id, v) for a in COURSE.assignments for v in catalogue(a.id).HONEST]


def public_outcomes(assignment, replacements: dict[str, str], folder: Path, through: str
                    ) -> dict[str, BaseException | None]:
    """{grade id: what its check cell raised, or None} for the release answered with
    ``replacements``, from the release's own runner (test_public_checks.py), in this process,
    running the notebook up to the check cell ``through`` (the later checks cost time here)."""
    release = COURSE_ROOT / "assignments" / assignment.id
    folder.mkdir(parents=True)
    shutil.copy(release / "test_public_checks.py", folder / "runner.py")
    write_submission(folder, assignment.notebook, answered_release(assignment, replacements))
    spec = importlib.util.spec_from_file_location(f"public_runner_{folder.name}", folder / "runner.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    cells = runner.code_cells()
    last = next(index for index, (_, grade_id, _) in enumerate(cells) if grade_id == through)
    runner.code_cells = lambda: cells[:last + 1]
    try:
        return runner.run_notebook()
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("assignment_id, variant", HONEST, ids=[f"{a}-{v.id}" for a, v in HONEST])
def test_public_checks_pass_every_honest_variant(assignment_id, variant, graders, tmp_path):
    trusted = graders[assignment_id][0]
    target = trusted.graders[variant.exercise].target
    outcomes = public_outcomes(trusted.assignment, {target: variant.code}, tmp_path / "answered",
                               through=f"check_{variant.exercise}")
    failed = {grade_id: f"{type(error).__name__}: {error}" for grade_id, error in outcomes.items() if error}
    assert failed == {}


def test_a_check_names_the_broken_function_it_calls(graders, tmp_path):
    """Transposed weights from initialize_parameters break nn_model's check with a shape error
    inside forward_propagation; the check names initialize_parameters, as the hidden feedback
    does ('nn_model relies on your initialize_parameters ...')."""
    trusted = graders["shallow_network"][0]
    [mutant] = [m for m in catalogue("shallow_network").MUTANTS if m.id == "init_transposed"]
    outcomes = public_outcomes(trusted.assignment, {"initialize_parameters": mutant.code}, tmp_path / "answered",
                               through="check_predict")
    assert outcomes["check_initialize_parameters"] is not None
    message = str(outcomes["check_nn_model"])
    assert isinstance(outcomes["check_nn_model"], AssertionError), message
    assert "this calls your initialize_parameters, whose public checks have not passed" in message
    assert "ValueError" in message      # and what went wrong, for the curious
    assert outcomes["check_forward_propagation"] is None and outcomes["check_predict"] is None


#: A reference to a source document the student never saw ("as in the original notebook").
ORIGINAL_SOURCE = re.compile(r"\bthe original(?:'s|’s)?\s+(?:notebook|example|tutorial|text|source|lesson|course|"
                             r"code|seed|version|numbers|author)s?\b", re.IGNORECASE)


@pytest.mark.parametrize("assignment", COURSE.assignments, ids=lambda a: a.id)
def test_the_notebook_says_how_grading_works(assignment):
    """Hidden tests run later, on the submitted notebook, never in the student's check cells;
    and no text points at an 'original' the student never saw."""
    notebook = json.loads((COURSE_ROOT / "assignments" / assignment.id / assignment.notebook).read_text(encoding="utf-8"))
    text = " ".join("".join(cell["source"]) for cell in notebook["cells"]).replace("\n", " ")
    assert "run in the same" not in text and "hidden tests** that the course runs" in text
    # "the original order" or "the original row" are fine; "the original notebook" is not.
    assert not ORIGINAL_SOURCE.search(text), ORIGINAL_SOURCE.search(text)
