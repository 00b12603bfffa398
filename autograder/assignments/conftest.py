"""pytest fixtures for running the hidden graders on one notebook:

    pytest autograder/assignments/shallow_network --notebook submitted/ada/shallow_network/shallow_network.ipynb

Without --notebook the source notebook (the reference) is graded, which must earn full marks.
The student's code runs in the same sandbox as in batch grading; a table of points per
exercise is printed at the end.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.notebook import NotebookError, locate, read_notebook
from autograder.pipeline import AssignmentGrader
from autograder.reference import grade_cells, source_notebook
from autograder.results import CaseResult, ExerciseResult
from autograder.sandbox.host import ISOLATIONS

_outcomes: dict[str, dict[str, list[CaseResult]]] = {}


def pytest_addoption(parser):
    group = parser.getgroup("autograder")
    group.addoption("--notebook", default=None, help="the notebook to grade (default: the reference solution)")
    group.addoption("--isolation", default="auto", choices=ISOLATIONS,
                    help="sandbox isolation for the student's code (default: auto)")
    group.addoption("--allow-unconfined", action="store_true",
                    help="grade even where student code cannot be confined (no bubblewrap, no Landlock)")


@pytest.fixture(scope="module")
def trusted(request) -> AssignmentGrader:
    course = load_course()
    return AssignmentGrader(course, course.assignment(request.module.__name__.split(".")[-2]))


@pytest.fixture(scope="module")
def sandbox(request, trusted):
    with trusted.sandbox(request.config.getoption("--isolation"),
                         request.config.getoption("--allow-unconfined")) as box:
        if box.warning:
            print(f"\nWARNING: {box.warning}")
        yield box


@pytest.fixture(scope="module")
def reference(trusted):
    return trusted.reference


@pytest.fixture(scope="module")
def student(request, trusted, sandbox):
    path = Path(request.config.getoption("--notebook") or source_notebook(trusted.assignment))
    try:
        located = locate(read_notebook(path))
    except NotebookError as error:
        pytest.fail(f"{path}: {error}", pytrace=False)
    for problem in located.problems:
        print(f"\n{path.name}: {problem}")
    with sandbox.open(located.statements) as opened:
        yield opened


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    case = getattr(item, "callspec", None) and item.callspec.params.get("case")
    if case is not None and report.when == "call":
        assignment = item.module.__name__.split(".")[-2]
        exercise = item.originalname.removeprefix("test_")
        _outcomes.setdefault(assignment, {}).setdefault(exercise, []).append(
            CaseResult(case.id, case.description, case.weight, report.passed))


def pytest_terminal_summary(terminalreporter):
    course = load_course()
    for assignment_id, exercises in _outcomes.items():
        assignment = course.assignment(assignment_id)
        cells = {cell.exercise: cell for cell in grade_cells(assignment)}
        results = [ExerciseResult(name, cells[name].grade_id, cells[name].points, cases)
                   for name, cases in exercises.items()]
        terminalreporter.section(f"score: {assignment_id}")
        for result in results:
            terminalreporter.write_line(f"{result.name:<24} {result.points:>5g} / {result.max_points:g}")
        total = round(sum(result.points for result in results), 2)
        terminalreporter.write_line(f"{'total':<24} {total:>5g} / {assignment.total_points:g}")
