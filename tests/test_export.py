"""`autograder export`: the gradebook's final scores (late penalties taken off, manual scores
included) as Canvas's and Moodle's grade imports read them, equal to what `nbgrader export`
computes from the same gradebook."""
from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from nbgrader.api import Gradebook

from autograder.cli import main
from autograder.config import Assignment
from autograder.gradebook import record
from autograder.reference import grade_id_of
from autograder.results import CaseResult, ExerciseResult, SubmissionResult
from conftest import COURSE
from helpers import nbgrader_export, run

FIRST, SECOND = COURSE.assignments[:2]


def _result(student: str, assignment: Assignment, share: float, late_days: int = 0) -> SubmissionResult:
    """Every exercise at ``share`` of its points; handed in ``late_days`` after the due date."""
    exercises = [ExerciseResult(name, grade_id_of(name), points,
                                [CaseResult("a", "a", share, True), CaseResult("b", "b", 1 - share, False, "hint", "m")])
                 for name, points in assignment.exercises.items()]
    result = SubmissionResult(student, assignment.id, assignment.notebook, exercises)
    submitted = assignment.due + timedelta(days=late_days, hours=-1)
    result.submitted_at = submitted.isoformat()
    result.late_penalty = COURSE.late_policy.penalty(result.score, submitted, assignment.due)
    return result


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """ada: full marks on both, the second two days late; ben: half marks on the first, nothing
    handed in for the second; cy: a name and email in nbgrader's student table."""
    db = tmp_path_factory.mktemp("export") / "gradebook.db"
    classes = [(FIRST, [_result("ada", FIRST, 1.0), _result("ben", FIRST, 0.5), _result("=cy", FIRST, 0.25)]),
               (SECOND, [_result("ada", SECOND, 1.0, late_days=2), _result("=cy", SECOND, 1.0)])]
    for assignment, results in classes:
        cells = [(grade_id_of(name), points) for name, points in assignment.exercises.items()]
        record(db, COURSE.course_id, assignment.id, assignment.notebook.removesuffix(".ipynb"), cells, results,
               duedate=assignment.due)
    with Gradebook(f"sqlite:///{db}", course_id=COURSE.course_id) as gb:
        gb.update_or_create_student("=cy", first_name="Cy", last_name="Young", email="cy@example.org")
    return db


def _rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_canvas_import_columns_points_and_final_scores(gradebook, tmp_path):
    done = run("autograder", "export", "--gradebook", str(gradebook), "--out", str(tmp_path / "canvas.csv"),
               cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "3 students" in done.stdout
    header, points, *students = _rows(tmp_path / "canvas.csv")
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", FIRST.id, SECOND.id]
    assert points == ["Points Possible", "", "", "", "", f"{FIRST.total_points:g}", f"{SECOND.total_points:g}"]
    late = round(SECOND.total_points * (1 - 2 * COURSE.late_policy.penalty_per_day), 2)
    assert students == [
        ["Young, Cy", "", "", "'=cy", "", f"{FIRST.total_points / 4:g}", f"{SECOND.total_points:g}"],
        ["ada", "", "", "ada", "", f"{FIRST.total_points:g}", f"{late:g}"],
        ["ben", "", "", "ben", "", f"{FIRST.total_points / 2:g}", ""],
    ]


def test_moodle_import_columns_and_the_same_scores_as_nbgrader_export(gradebook, tmp_path):
    assert main(["export", "--gradebook", str(gradebook), "--lms", "moodle", "--out", str(tmp_path / "moodle.csv")]) == 0
    header, *students = _rows(tmp_path / "moodle.csv")
    assert header == ["Username", "Email address", FIRST.id, SECOND.id]
    assert [row[:2] for row in students] == [["'=cy", "cy@example.org"], ["ada", ""], ["ben", ""]]
    nbgrader_export(gradebook, COURSE.course_id)   # writes grades.csv beside the gradebook
    theirs = {(row["student_id"], row["assignment"]): row["score"]
              for row in csv.DictReader(open(gradebook.parent / "grades.csv", encoding="utf-8"))}
    ours = {(row[0].removeprefix("'"), assignment.id): score
            for row in students for assignment, score in zip((FIRST, SECOND), row[2:])}
    assert ours.keys() <= theirs.keys()
    for key, score in ours.items():
        assert score == "" and float(theirs[key]) == 0 or float(score) == pytest.approx(float(theirs[key])), key


def test_canvas_id_column_is_chosen_and_a_missing_gradebook_is_a_clear_error(gradebook, tmp_path, capsys):
    assert main(["export", "--gradebook", str(gradebook), "--canvas-match", "ID", "--out", str(tmp_path / "c.csv")]) == 0
    assert [row[1:4] for row in _rows(tmp_path / "c.csv")[2:]] == [["'=cy", "", ""], ["ada", "", ""], ["ben", "", ""]]
    assert main(["export", "--gradebook", str(tmp_path / "none.db")]) == 2
    assert "no gradebook" in capsys.readouterr().err and not (tmp_path / "none.db").exists()
