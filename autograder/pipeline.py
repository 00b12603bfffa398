"""Grading one submission, as a pipeline: find → read → locate → run in sandbox → check → score.

Every step turns bad input into a problem the student can read and a score (possibly 0);
nothing a submission contains can stop the batch. Recording and reporting happen in batch.py.
"""
from __future__ import annotations

import time
from pathlib import Path

from . import assignments
from .config import Assignment, ConfigError, Course
from .grading import REGISTRY, Grader, run_graders
from .notebook import NotebookError, locate, read_notebook
from .reference import GradeCell, Reference, grade_cells, load_reference
from .results import CaseResult, ExerciseResult, SubmissionResult
from .sandbox import Sandbox
from .submissions import Submission, safe_name


def graders_for(assignment: Assignment) -> dict[str, Grader]:
    """The hidden graders of autograder/assignments/<id>/test_<id>.py, in course.yaml's order."""
    module = assignments.content(assignment.id, f"test_{assignment.id}")
    graders = REGISTRY[module.__name__]
    missing = set(assignment.exercises) - set(graders)
    if missing:
        raise LookupError(f"no grader for {sorted(missing)} in {module.__name__}")
    return {name: graders[name] for name in assignment.exercises}


def notebook_label(notebook: Path | None, relative_to: Path) -> str:
    """The graded notebook's path below ``relative_to``, as safe text; "" when there is none."""
    return "/".join(map(safe_name, notebook.relative_to(relative_to).parts)) if notebook else ""


class AssignmentGrader:
    """Everything trusted about one assignment, loaded once per worker and reused."""

    def __init__(self, course: Course, assignment: Assignment):
        self.course = course
        self.assignment = assignment
        self.reference: Reference = load_reference(assignment)
        self.cells: tuple[GradeCell, ...] = grade_cells(assignment)
        self.graders = graders_for(assignment)
        undefined = [g.target for g in self.graders.values() if not self.reference.defines(g.target)]
        if undefined:
            raise ConfigError(f"the source notebook of {assignment.id} does not define {', '.join(undefined)}")
        self.limits = course.limits_for(assignment)
        self.grade_ids = {cell.exercise: cell.grade_id for cell in self.cells}
        self.points = {cell.exercise: cell.points for cell in self.cells}

    def sandbox(self, isolation: str = "auto", allow_unconfined: bool = False) -> Sandbox:
        """A sandbox with this assignment's limits and pre-imported modules."""
        return Sandbox(limits=self.limits, isolation=isolation, preimports=self.assignment.sandbox_imports,
                       allow_unconfined=allow_unconfined)

    def zero(self, reason: str) -> list[ExerciseResult]:
        """Every exercise at 0 points, each case failed for the same reason."""
        return [ExerciseResult(name, self.grade_ids[name], self.points[name],
                               [CaseResult(c.id, c.description, c.weight, False, reason, "no_code")
                                for c in grader.cases])
                for name, grader in self.graders.items()]

    def grade(self, submission: Submission, sandbox: Sandbox, relative_to: Path) -> SubmissionResult:
        """Never raises for anything in the submission: an unusable file is a problem and 0."""
        started = time.perf_counter()
        problems = list(submission.problems)
        try:
            cells = read_notebook(submission.notebook, submission.root) if submission.notebook else None
        except NotebookError as error:
            problems.append(str(error))
            cells = None
        if cells is None:
            exercises = self.zero(problems[-1])
        else:
            located = locate(cells)
            problems.extend(located.problems)
            with sandbox.open(located.statements) as student:
                problems.extend(f"{label}: {text}" for label, text in student.load_problems.items())
                exercises = run_graders(self.graders, self.grade_ids, self.points, student, self.reference)
        # Built once everything is in: construction bounds and cleans every student-made text.
        result = SubmissionResult(submission.student_id, self.assignment.id,
                                  notebook_label(submission.notebook, relative_to), exercises, problems,
                                  isolation=sandbox.isolation)
        submitted_at = submission.submitted_at
        if submitted_at:
            result.submitted_at = submitted_at.isoformat()
            result.late_penalty = self.course.late_policy.penalty(result.score, submitted_at, self.assignment.due)
        result.seconds = round(time.perf_counter() - started, 4)
        return result
