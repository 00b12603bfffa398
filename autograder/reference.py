"""The trusted side's knowledge of an assignment, all taken from its nbgrader source notebook.

The source notebook in solutions/ is the one source of truth: the reference functions are the
code between its solution markers (run here, in the trusted process), and the points are those
of its grade cells. Nothing about a submission is ever read for either.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import COURSE_ROOT
from .config import Assignment, ConfigError
from .notebook import locate, read_notebook


@dataclass(frozen=True)
class GradeCell:
    grade_id: str
    points: float
    function: str          # the exercise it grades: the function named in its grade_id


class Reference:
    """Reference functions, called on deep copies so a grader's inputs can never be changed."""

    def __init__(self, namespace: dict):
        self._namespace = namespace

    def __getattr__(self, name: str):
        function = self._namespace.get(name)
        if not callable(function):
            raise AttributeError(f"the reference solution defines no function {name!r}")

        def call(*args, **kwargs):
            return function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        return call


def source_notebook(assignment: Assignment, root: Path = COURSE_ROOT) -> Path:
    return root / "solutions" / assignment.id / assignment.notebook


def load_reference(assignment: Assignment, root: Path = COURSE_ROOT) -> Reference:
    return _reference(source_notebook(assignment, root), tuple(assignment.exercises))


@cache
def _reference(notebook: Path, exercises: tuple[str, ...]) -> Reference:
    located = locate(read_notebook(notebook))
    if located.problems:
        raise ConfigError(f"the source notebook {notebook} is broken: {located.problems}")
    namespace: dict = {"__name__": "reference"}
    for _label, statement in located.statements:
        exec(compile(statement, str(notebook), "exec"), namespace)
    missing = [name for name in exercises if not callable(namespace.get(name))]
    if missing:
        raise ConfigError(f"the source notebook {notebook} does not define {missing}")
    return Reference(namespace)


def grade_cells(assignment: Assignment, root: Path = COURSE_ROOT) -> tuple[GradeCell, ...]:
    """The source notebook's grade cells, matched to exercises and checked against course.yaml."""
    found = []
    for cell in read_notebook(source_notebook(assignment, root)):
        meta = cell.nbgrader
        if not meta.get("grade") or meta.get("solution"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        names = [name for name in assignment.exercises if name in grade_id]
        if len(names) != 1:
            raise ConfigError(f"grade cell {grade_id!r} of {assignment.id} must name exactly one "
                              f"exercise of course.yaml, it names {names or 'none'}")
        found.append(GradeCell(grade_id, float(meta.get("points", 0)), names[0]))
    problems = []
    for name, points in assignment.exercises.items():
        cells = [c for c in found if c.function == name]
        if len(cells) != 1:
            problems.append(f"{name}: {len(cells)} grade cells in the source notebook, expected 1")
        elif cells[0].points != points:
            problems.append(f"{name}: {cells[0].points:g} points in the source notebook, "
                            f"{points:g} in course.yaml")
    if problems:
        raise ConfigError(f"course.yaml and solutions/{assignment.id} disagree:\n  " + "\n  ".join(problems))
    order = list(assignment.exercises)
    return tuple(sorted(found, key=lambda c: order.index(c.function)))
