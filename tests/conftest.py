"""Shared fixtures: the real course, parametrized over its assignments, each with its trusted
grader and one real sandbox for the session."""
from __future__ import annotations

import os

# Before NumPy is imported here or in any kernel, runner or CLI the tests start: the suite's
# arrays are tiny, and BLAS threads fighting the other processes for two cores cost far more
# than they save.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from pathlib import Path  # noqa: E402

import pytest

from autograder.config import load_course
from autograder.pipeline import AssignmentGrader
from autograder.samples import write_submission
from autograder.sandbox import Sandbox
from autograder.submissions import Submission
from helpers import ISOLATIONS, leftovers, sandbox_processes, shared_box

COURSE = load_course()


@pytest.fixture(scope="session")
def course():
    return COURSE


class _Graders:
    """One AssignmentGrader and one sandbox per assignment, made when first needed."""

    def __init__(self):
        self._made: dict[str, tuple[AssignmentGrader, object]] = {}

    def __getitem__(self, assignment_id: str) -> tuple[AssignmentGrader, object]:
        if assignment_id not in self._made:
            grader = AssignmentGrader(COURSE, COURSE.assignment(assignment_id))
            self._made[assignment_id] = (grader, grader.sandbox("auto"))
        return self._made[assignment_id]

    def close(self) -> None:
        for _, sandbox in self._made.values():
            sandbox.close()


@pytest.fixture(scope="session")
def graders():
    made = _Graders()
    yield made
    made.close()


@pytest.fixture(scope="session", params=[a.id for a in COURSE.assignments])
def assignment(request):
    """Every assignment of course.yaml in turn: a test taking it runs once per assignment."""
    return COURSE.assignment(request.param)


@pytest.fixture(scope="session")
def grader(assignment, graders):
    return graders[assignment.id][0]


@pytest.fixture
def grade_as(graders):
    """Grade a notebook (dict, text or bytes) of one assignment through the real pipeline."""
    def grade(assignment_id: str, content, tmp_path: Path, student: str = "student"):
        trusted, sandbox = graders[assignment_id]
        folder = tmp_path / student / assignment_id
        path = write_submission(folder, trusted.assignment.notebook, content)
        return trusted.grade(Submission(student, folder, path), sandbox, tmp_path)
    return grade


@pytest.fixture
def grade_notebook(grade_as, assignment):
    """Grade a notebook of the current ``assignment``: a SubmissionResult."""
    return lambda content, tmp_path, student="student": grade_as(assignment.id, content, tmp_path, student)


@pytest.fixture(scope="module")
def boxes():
    """One sandbox per isolation for a whole test module, shared on purpose: each test also
    checks that the previous one left the zygote usable. Afterwards no sandbox process may be left."""
    before = set(sandbox_processes())
    made: dict[str, Sandbox] = {}
    yield made
    for box in made.values():
        box.close()
    assert leftovers(before) == {}


@pytest.fixture(params=ISOLATIONS)
def box(request, boxes) -> Sandbox:
    return shared_box(boxes, request.param)
