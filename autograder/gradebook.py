"""Scores into nbgrader's own SQLite gradebook, so `nbgrader export` and formgrader see them.

Points come only from the trusted side (the source notebook's grade cells / course.yaml), passed
in as `grade_cells`; a result may only say which share of them was earned. Rows are updated in
place, so recording the same results again changes nothing. Submissions are committed together
at least every COMMIT_SECONDS (each commit is a sync to disk, and nbgrader's own methods would
commit three times per submission), so a run killed midway keeps every submission recorded up to
then, and running it again records the rest. A new submission's rows are built in memory as
nbgrader's add_submission builds them and written with the others at the commit, in a few
multi-row INSERTs instead of a dozen queries per submission.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

# nbgrader -> nbformat -> jsonschema imports rfc3987_syntax, which compiles a grammar for the
# "iri" string format (1.4 s of a 2.7 s import) that no notebook schema uses. Marking it absent
# makes jsonschema skip that one format check; notebooks validate exactly as before.
sys.modules.setdefault("rfc3987_syntax", None)

import nbgrader.api  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from nbgrader.api import (Comment, Grade, GradeCell, Gradebook, Student, SubmittedAssignment,  # noqa: E402
                          SubmittedNotebook)
from nbgrader.utils import parse_utc  # noqa: E402

from .config import Assignment  # noqa: E402
from .results import SubmissionResult  # noqa: E402

COMMIT_SECONDS = 1.0


def prepare(db_path: Path, course_id: str, assignment: Assignment, notebook) -> str | None:
    """The assignment (with its due date), its notebook and every cell of it in the gradebook,
    as `nbgrader generate_assignment` records them (``notebook`` is nbgrader_course.template's),
    so nbgrader's autograde, formgrader and generate_feedback work on this gradebook.

    Returns None, or a warning when nbgrader refused because the notebook's cells changed after
    submissions were recorded (a gradebook written before cells were recorded, or a source
    notebook that gained or lost cells); grading still records every score then.
    """
    from .nbgrader_course import record_structure

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _open(db_path, course_id) as gb:
        gb.update_or_create_assignment(assignment.id, duedate=assignment.due)
    try:
        record_structure(db_path, assignment, notebook)
    except RuntimeError as refusal:
        return (f"{db_path}: {refusal}; scores are recorded, but nbgrader's own autograde and "
                "formgrader need the cells of the current notebook (grade into a new gradebook)")
    return None


def record(
    db_path: Path,
    course_id: str,
    assignment: str,
    notebook: str,
    grade_cells: list[tuple[str, float]],
    results: Iterable[SubmissionResult],
    duedate: datetime | None = None,
    comments: Callable[[SubmissionResult], dict[str, str]] | None = None,
) -> int:
    """Write each result's exercise points as auto scores; return how many submissions were written.

    `notebook` is the notebook's name in the gradebook: the file stem, e.g. "shallow_network".
    A grade cell the result has no exercise for scores 0, as nbgrader does for a missing notebook.
    A score a human typed into formgrader (manual_score) is kept and still wins, as in nbgrader.
    ``comments`` gives a result's automatic comment per solution cell (formgrader shows it under
    the cell; a TA's own comment wins).
    """
    points = dict(grade_cells)
    if len(points) != len(grade_cells):
        raise ValueError(f"grade cell names repeat in {[name for name, _ in grade_cells]}")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with _open(db_path, course_id) as gb, _commits_deferred(gb) as commit:
        rows = _Rows(gb, assignment, notebook, _ensure_structure(gb, assignment, notebook, points, duedate))
        committed = time.monotonic()
        for result in results:
            auto_scores = _auto_scores(result, assignment, points)
            submitted, grades = rows.of(result)
            for name, grade in grades.items():
                grade.auto_score = auto_scores[name]
                grade.needs_manual_grade = grade.manual_score is not None
            submitted.late_submission_penalty = result.late_penalty  # nbgrader export subtracts it
            texts = comments(result) if comments else {}
            for comment in submitted.comments:
                comment.auto_comment = texts.get(rows.cell_names.get(comment.cell_id))
            written += 1
            if time.monotonic() - committed >= COMMIT_SECONDS:
                commit()
                committed = time.monotonic()
    return written


@contextmanager
def _commits_deferred(gb: Gradebook) -> Iterator[Callable[[], None]]:
    """Within the block nbgrader's methods flush where they would commit (a database error still
    surfaces where it happens); the block gets the real commit, and commits what is there when it
    ends, even by an exception from the results being recorded."""
    commit = gb.db.commit
    gb.db.commit = gb.db.flush
    try:
        yield commit
    finally:
        del gb.db.commit
        if gb.db.is_active:
            commit()


def scores(db_path: Path, course_id: str, assignment: str) -> dict[str, float]:
    """Each student's total score in the gradebook (manual overrides included, no late penalty)."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no gradebook at {db_path}")
    with _open(db_path, course_id) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}


def course_scores(db_path: Path, course_id: str, assignments: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """student id -> {assignment: (score, late penalty)} for every submission in the gradebook,
    so course-wide outputs always show the whole gradebook, not the last run."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no gradebook at {db_path}")
    found: dict[str, dict[str, tuple[float, float]]] = {}
    with _open(db_path, course_id) as gb:
        known = {a.name for a in gb.assignments}
        for assignment in (a for a in assignments if a in known):
            for submission in gb.assignment_submissions(assignment):
                found.setdefault(submission.student.id, {})[assignment] = (
                    submission.score, submission.late_submission_penalty or 0.0)
    return found


def people(db_path: Path, course_id: str) -> dict[str, tuple[str, str, str]]:
    """student id -> (first name, last name, email) of every student in the gradebook, each ""
    where nbgrader has none (as when `autograder grade` added them; `nbgrader db student import`
    fills them in)."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no gradebook at {db_path}")
    with _open(db_path, course_id) as gb:
        return {s.id: (s.first_name or "", s.last_name or "", s.email or "") for s in gb.students}


def _alembic_head() -> str:
    """nbgrader's schema version, read in this process.

    nbgrader itself runs `alembic heads` in a subprocess to stamp a new gradebook: about 3 s, and
    only when the venv's bin directory is on PATH. Reading the same head from its migration
    scripts takes 0.1 s and needs no PATH.
    """
    return ScriptDirectory(str(Path(nbgrader.api.__file__).parent / "alembic")).get_current_head()


@contextmanager
def _open(db_path: Path, course_id: str) -> Iterator[Gradebook]:
    """The gradebook at db_path, created (and stamped with nbgrader's schema version) if missing."""
    stamp, nbgrader.api.get_alembic_version = nbgrader.api.get_alembic_version, _alembic_head
    try:
        gradebook = Gradebook(f"sqlite:///{db_path}", course_id=course_id)
    finally:
        nbgrader.api.get_alembic_version = stamp
    with gradebook:
        yield gradebook


def _ensure_structure(
    gb: Gradebook, assignment: str, notebook: str, points: dict[str, float], duedate: datetime | None
) -> dict[str, GradeCell]:
    """The assignment, notebook and grade cells, created or corrected to the trusted max scores.

    Cells nbgrader itself put there (solution and source cells from generate_assignment, other
    grade cells) are left alone: they are nbgrader's, and formgrader needs them as they are.
    """
    gb.update_or_create_assignment(assignment, **({"duedate": duedate} if duedate else {}))
    gb.update_or_create_notebook(notebook, assignment)
    return {
        name: gb.update_or_create_grade_cell(
            name, notebook, assignment, max_score=max_score, cell_type="code"
        )
        for name, max_score in points.items()
    }


def _auto_scores(result: SubmissionResult, assignment: str, points: dict[str, float]) -> dict[str, float]:
    """The score per grade cell, after checking the result was graded against the same points."""
    if result.assignment != assignment:
        raise ValueError(f"{result.student_id}: result is for {result.assignment!r}, not {assignment!r}")
    scored = {name: 0.0 for name in points}
    for exercise in result.exercises:
        if exercise.grade_id not in points:
            raise ValueError(
                f"{result.student_id}: exercise {exercise.name!r} has grade id {exercise.grade_id!r}, "
                f"which is not a grade cell of {assignment} ({', '.join(points)})"
            )
        if not math.isclose(exercise.max_points, points[exercise.grade_id]):
            raise ValueError(
                f"{result.student_id}: {exercise.grade_id} was graded out of {exercise.max_points} "
                f"points, but the source notebook gives it {points[exercise.grade_id]}"
            )
        scored[exercise.grade_id] = exercise.points
    return scored


class _Rows:
    """Each result's submitted notebook and its grade row per grade cell, creating student,
    submission and rows as needed.

    Which students and submissions exist is read once. A new submission gets the structure
    nbgrader's add_submission gives it (a grade row per grade cell, a comment per solution cell,
    both per task cell, in every notebook of the assignment), built in memory without a query,
    so nothing is flushed until the commit. An existing one is looked up, and rows for a grade
    cell added after it was recorded (a new exercise in course.yaml) are filled in.
    """

    def __init__(self, gb: Gradebook, assignment: str, notebook: str, cells: dict[str, GradeCell]):
        self.gb, self.assignment, self.notebook, self.cells = gb, assignment, notebook, cells
        self.record = gb.find_assignment(assignment)
        self.structure = [(book, book.grade_cells, book.solution_cells, book.task_cells)
                          for book in self.record.notebooks]
        self.cell_names = {cell.id: cell.name for book, *kinds in self.structure for kind in kinds for cell in kind}
        self.students = {student for student, in gb.db.query(Student.id)}
        self.submitted = {student for student, in gb.db.query(SubmittedAssignment.student_id)
                          .filter(SubmittedAssignment.assignment_id == self.record.id)}

    def of(self, result: SubmissionResult) -> tuple[SubmittedNotebook, dict[str, Grade]]:
        student = result.student_id
        if student not in self.students:
            self.gb.db.add(Student(id=student))
            self.students.add(student)
        if student in self.submitted:  # a query: it writes what is pending first
            when = {"timestamp": result.submitted_at} if result.submitted_at else {}
            self.gb.update_or_create_submission(self.assignment, student, **when)
            submitted = self.gb.find_submission_notebook(self.notebook, self.assignment, student)
        else:
            submitted = self._new(student, result.submitted_at)
            self.submitted.add(student)
        by_cell = {grade.cell_id: grade for grade in submitted.grades}
        for cell in self.cells.values():
            if cell.id not in by_cell:
                by_cell[cell.id] = Grade(cell=cell, notebook=submitted)
                self.gb.db.add(by_cell[cell.id])
        return submitted, {name: by_cell[cell.id] for name, cell in self.cells.items()}

    def _new(self, student: str, submitted_at: str) -> SubmittedNotebook:
        ours = None
        with self.gb.db.no_autoflush:  # a backref must not flush the half-built rows
            submission = SubmittedAssignment(assignment=self.record, student_id=student,
                                             timestamp=parse_utc(submitted_at) if submitted_at else None)
            for book, grade_cells, solution_cells, task_cells in self.structure:
                submitted = SubmittedNotebook(notebook=book, assignment=submission)
                for cell in grade_cells:
                    Grade(cell_id=cell.id, notebook=submitted)
                for cell in solution_cells:
                    Comment(cell_id=cell.id, notebook=submitted)
                for cell in task_cells:
                    Comment(cell_id=cell.id, notebook=submitted)
                    Grade(cell_id=cell.id, notebook=submitted)
                if book.name == self.notebook:
                    ours = submitted
            self.gb.db.add(submission)  # with everything in it, as add_submission does
        return ours
