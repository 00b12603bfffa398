"""Stock nbgrader's path: hidden test cells call the same graders inside the student's kernel.

``nbgrader autograde`` keeps working on this course: each grade cell of a source notebook ends
with ``hidden_score("<assignment>", "<exercise>", globals())``, whose float nbgrader reads as
the cell's partial credit. The assignment is named, never guessed from the exercise: several
assignments have a ``forward_propagation``. This path is NOT tamper-proof — the student's code
shares the kernel with the grader and can patch numpy, the grader or nbgrader's view of
outputs. Use ``autograder grade`` for grades that count; this exists for compatibility and for
instructors comparing the two.
"""
from __future__ import annotations

import contextlib
import io
from functools import cache

from .config import load_course
from .grading import run_graders
from .results import check_lines
from .inprocess import InProcessStudent
from .pipeline import AssignmentGrader


@cache
def _grader_of(assignment_id: str) -> AssignmentGrader:
    course = load_course()
    return AssignmentGrader(course, course.assignment(assignment_id))


def hidden_score(assignment_id: str, exercise: str, namespace: dict) -> float:
    """Points earned by ``exercise`` of ``assignment_id`` as defined in ``namespace``; hints go
    to stdout. Nothing may reach stderr: nbgrader scores any cell with stderr output 0.
    """
    with contextlib.redirect_stderr(io.StringIO()):
        grader = _grader_of(assignment_id)
        [result] = run_graders(grader.graders, grader.grade_ids, grader.points,
                               InProcessStudent(namespace), grader.reference, only=exercise)
    for line in check_lines(result):
        print(f"{exercise} - {line}")
    return float(result.points)
