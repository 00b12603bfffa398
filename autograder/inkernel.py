"""Stock nbgrader's path: hidden test cells call the same graders inside the student's kernel.

``nbgrader autograde`` keeps working on this course: each grade cell of the source notebook
ends with ``hidden_score("<function>", globals())``, whose float nbgrader reads as the cell's
partial credit. This path is NOT tamper-proof — the student's code shares the kernel with the
grader and can patch numpy, the grader or nbgrader's view of outputs. Use ``autograder grade``
for grades that count; this exists for compatibility and for instructors comparing the two.
"""
from __future__ import annotations

import contextlib
import io
from functools import cache

from .config import load_course
from .grading import run_graders
from .inprocess import InProcessStudent
from .pipeline import AssignmentGrader


@cache
def _grader_of(function: str) -> AssignmentGrader:
    course = load_course()
    for assignment in course.assignments:
        if function in assignment.exercises:
            return AssignmentGrader(course, assignment)
    raise LookupError(f"no assignment in course.yaml has an exercise {function!r}")


def hidden_score(function: str, namespace: dict) -> float:
    """Points earned by ``function`` as defined in ``namespace``; hints go to stdout.

    Nothing may reach stderr: nbgrader scores any cell with stderr output 0.
    """
    with contextlib.redirect_stderr(io.StringIO()):
        grader = _grader_of(function)
        [result] = run_graders(grader.graders, grader.grade_ids, grader.points,
                               InProcessStudent(namespace), grader.reference, only=function)
    for case in result.cases:
        mark = "passed" if case.passed else f"FAILED: {case.hint}"
        print(f"{function} - {case.description}: {mark}")
    return float(result.points)
