"""Shared fixtures: the real course, its trusted grader, and one real sandbox per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.pipeline import AssignmentGrader
from autograder.submissions import Submission
from autograder.samples import write_submission
from autograder.sandbox import Sandbox
from helpers import ISOLATIONS, leftovers, sandbox_processes, shared_box


@pytest.fixture(scope="session")
def course():
    return load_course()


@pytest.fixture(scope="session")
def assignment(course):
    return course.assignment("shallow_network")


@pytest.fixture(scope="session")
def grader(course, assignment):
    return AssignmentGrader(course, assignment)


@pytest.fixture(scope="session")
def sandbox(course):
    with Sandbox(limits=course.limits, isolation="auto") as box:
        yield box


@pytest.fixture
def grade_notebook(grader, sandbox):
    """Grade a notebook (dict, text or bytes) through the real pipeline: a SubmissionResult."""
    def grade(content, tmp_path: Path, student: str = "student"):
        folder = tmp_path / student / grader.assignment.id
        path = write_submission(folder, grader.assignment.notebook, content)
        return grader.grade(Submission(student, folder, path), sandbox, tmp_path)
    return grade



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
