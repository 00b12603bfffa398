"""The trusted side's knowledge of an assignment, all taken from its nbgrader source notebook.

The source notebook in solutions/ is the one source of truth: the reference functions are the
code between its solution markers (run here, in the trusted process), and the points are those
of its grade cells. Nothing about a submission is ever read for either.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

from . import COURSE_ROOT
from .config import Assignment, ConfigError
from .grading import fresh_copy, per_inputs
from .inprocess import InProcessStudent
from .notebook import locate, read_notebook
from .sandbox import protocol


@dataclass(frozen=True)
class GradeCell:
    grade_id: str
    points: float
    exercise: str          # the exercise it grades: its grade_id is check_<exercise>


class Reference:
    """Reference functions, called on deep copies so a grader's inputs can never be changed,
    seeded before every call by the same rule as a student's, each answer computed once per
    distinct input (the cases are the same for every submission)."""

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self._calls: dict[str, Callable] = {}  # one memoized caller per function

    def defines(self, target: str) -> bool:
        """Whether ``target`` ("f" or "Class.method") is defined and callable."""
        name, _, attribute = target.partition(".")
        found = self._namespace.get(name)
        return callable(getattr(found, attribute, None) if attribute else found)

    def as_student(self) -> InProcessStudent:
        """The reference behind the graders' narrow interface (objects included): graders build
        expected answers for classes the way they query a student's."""
        return InProcessStudent(self._namespace)

    def new(self, class_name: str, *args, **kwargs):
        return self.as_student().new(class_name, *args, **kwargs)

    def bare(self, class_name: str, state: dict, aliases: dict[str, list[str]] | None = None):
        return self.as_student().bare(class_name, state, aliases)

    def __getattr__(self, name: str):
        function = self._namespace.get(name)
        if not callable(function):
            raise AttributeError(f"the reference solution defines no function {name!r}")
        if name not in self._calls:
            @per_inputs
            def call(*args, **kwargs):
                protocol.seed()
                return function(*fresh_copy(args), **fresh_copy(kwargs))
            self._calls[name] = call
        return self._calls[name]


def source_notebook(assignment: Assignment, root: Path = COURSE_ROOT) -> Path:
    return root / "solutions" / assignment.id / assignment.notebook


def load_reference(assignment: Assignment, root: Path = COURSE_ROOT) -> Reference:
    return _reference(source_notebook(assignment, root))


@cache
def _reference(notebook: Path) -> Reference:
    located = locate(read_notebook(notebook))
    if located.problems:
        raise ConfigError(f"the source notebook {notebook} is broken: {located.problems}")
    namespace: dict = {"__name__": "reference"}
    for _label, statement in located.statements:
        exec(compile(statement, str(notebook), "exec"), namespace)
    return Reference(namespace)


#: A grade cell grades the exercise named by its grade id: check_<exercise>, exactly.
GRADE_ID_PREFIX = "check_"


def grade_id_of(exercise: str) -> str:
    return GRADE_ID_PREFIX + exercise


def grade_cells(assignment: Assignment, root: Path = COURSE_ROOT) -> tuple[GradeCell, ...]:
    """The source notebook's grade cells, matched to exercises and checked against course.yaml."""
    notebook = source_notebook(assignment, root)
    found, problems = [], []
    for cell in read_notebook(notebook):
        meta = cell.nbgrader
        if not meta.get("grade") or meta.get("solution"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        found.append(GradeCell(grade_id, float(meta.get("points", 0)), grade_id.removeprefix(GRADE_ID_PREFIX)))
    graded = [cell.exercise for cell in found]
    for cell in found:
        if not cell.grade_id.startswith(GRADE_ID_PREFIX) or cell.exercise not in assignment.exercises:
            problems.append(f"{notebook.name}: grade cell {cell.grade_id!r} grades no exercise of "
                            f"{assignment.where('exercises')} (a grade cell's id is {GRADE_ID_PREFIX}<exercise>)")
    for name, points in assignment.exercises.items():
        cells = [c for c in found if c.exercise == name]
        if not cells:
            close = difflib.get_close_matches(name, graded, n=1)
            problems.append(f"{assignment.where('exercises', name)}: exercise {name!r} has no grade cell "
                            f"{grade_id_of(name)!r} in {notebook.name}"
                            + (f"; did you mean {close[0]!r}?" if close else "")
                            + f" (its grade cells grade: {', '.join(graded) or 'nothing'})")
        elif len(cells) > 1:
            problems.append(f"{notebook.name}: {len(cells)} grade cells {grade_id_of(name)!r}; keep one")
        elif cells[0].points != points:
            problems.append(f"{assignment.where('exercises', name)}: {name} is worth {points:g} points in "
                            f"course.yaml but {cells[0].points:g} in the grade cell of {notebook.name}; make them equal")
    if problems:
        raise ConfigError(f"course.yaml and solutions/{assignment.id} disagree:\n  " + "\n  ".join(problems))
    order = list(assignment.exercises)
    return tuple(sorted(found, key=lambda c: order.index(c.exercise)))
