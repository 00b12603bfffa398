"""The gradebook writer against a real nbgrader SQLite gradebook and the real `nbgrader export`."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.gradebook import record, scores
from autograder.results import CaseResult, ExerciseResult, SubmissionResult
from helpers import environment, nbgrader_export, row_counts

COURSE = "nn-from-scratch"
ASSIGNMENT = "shallow_network"
NOTEBOOK = "shallow_network"
GRADE_CELLS = [("check_layer_sizes", 1.0), ("check_forward_propagation", 2.0), ("check_nn_model", 2.0)]
TABLES = ("assignment", "notebook", "base_cell", "grade_cells", "student",
          "submitted_assignment", "submitted_notebook", "grade")


def make_result(student_id: str, passed: dict[str, list[bool]], points: dict | None = None
                ) -> SubmissionResult:
    """A result whose exercise `check_x` has one equally weighted case per flag in passed[...]."""
    points = points or dict(GRADE_CELLS)
    exercises = [
        ExerciseResult(
            name=grade_id.removeprefix("check_"),
            grade_id=grade_id,
            max_points=points[grade_id],
            cases=[CaseResult(f"case{i}", f"case {i}", 1.0, ok) for i, ok in enumerate(outcomes)],
        )
        for grade_id, outcomes in passed.items()
    ]
    return SubmissionResult(student_id, ASSIGNMENT, f"{student_id}/{ASSIGNMENT}/{NOTEBOOK}.ipynb", exercises)


def flags(layer_sizes: list[bool], forward: list[bool], nn_model: list[bool]) -> dict[str, list[bool]]:
    return dict(zip([name for name, _ in GRADE_CELLS], [layer_sizes, forward, nn_model]))


FULL = make_result("ada", flags([True], [True, True], [True, True]))                  # 1 + 2 + 2 = 5
PARTIAL = make_result("zoë_ünïcode", flags([True], [True, False], [False, False]))    # 1 + 1 + 0 = 2
CJK = make_result("学生01", flags([False], [False, True], [True, False]))              # 0 + 1 + 1 = 2


def write(db: Path, results, grade_cells=GRADE_CELLS) -> int:
    return record(db, COURSE, ASSIGNMENT, NOTEBOOK, grade_cells, results,
                  duedate=datetime(2026, 12, 18, 23, 59, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """Made once: creating a gradebook costs seconds (nbgrader runs `alembic heads`)."""
    template = tmp_path_factory.mktemp("template") / "gradebook.db"
    assert write(template, [], grade_cells=[]) == 0
    return template


@pytest.fixture
def db(tmp_path: Path, empty_gradebook: Path) -> Path:
    path = tmp_path / "course" / "gradebook.db"
    path.parent.mkdir()
    shutil.copy(empty_gradebook, path)
    return path


@pytest.mark.slow
def test_nbgrader_export_shows_the_scores(tmp_path: Path):
    db = tmp_path / "course" / "gradebook.db"  # does not exist yet: record creates it
    assert write(db, [FULL, PARTIAL, CJK]) == 3
    exported = nbgrader_export(db, COURSE)
    assert set(exported) == {"ada", "zoë_ünïcode", "学生01"}
    assert {sid: float(row["score"]) for sid, row in exported.items()} == {
        "ada": 5.0, "zoë_ünïcode": 2.0, "学生01": 2.0}
    assert {float(row["max_score"]) for row in exported.values()} == {5.0}
    assert {row["assignment"] for row in exported.values()} == {ASSIGNMENT}
    assert exported["ada"]["duedate"] == "2026-12-18 23:59:00"


def test_writing_twice_changes_nothing(db: Path):
    write(db, [FULL, PARTIAL, CJK])
    counts, before = row_counts(db, TABLES), scores(db, COURSE, ASSIGNMENT)
    write(db, [FULL, PARTIAL, CJK])
    assert row_counts(db, TABLES) == counts
    assert counts["grade"] == 3 * len(GRADE_CELLS) and counts["submitted_assignment"] == 3
    assert scores(db, COURSE, ASSIGNMENT) == before == {"ada": 5.0, "zoë_ünïcode": 2.0, "学生01": 2.0}


def test_a_regraded_submission_updates_its_score(db: Path):
    write(db, [FULL, PARTIAL])
    improved = make_result("zoë_ünïcode", flags([True], [True, True], [True, False]))
    write(db, [improved])
    assert scores(db, COURSE, ASSIGNMENT) == {"ada": 5.0, "zoë_ünïcode": 4.0}
    with Gradebook(f"sqlite:///{db}", course_id=COURSE) as gb:
        grade = gb.find_grade("check_nn_model", NOTEBOOK, ASSIGNMENT, "zoë_ünïcode")
        assert (grade.auto_score, grade.needs_manual_grade) == (1.0, False)


def test_a_student_twice_in_one_run_keeps_one_submission_with_the_later_score(db: Path):
    """New submissions are written at the commit, not one by one: a second result of the same
    student in the same run must still find the first one's rows."""
    improved = make_result("zoë_ünïcode", flags([True], [True, True], [True, False]))
    write(db, [PARTIAL, FULL, improved])
    assert scores(db, COURSE, ASSIGNMENT) == {"ada": 5.0, "zoë_ünïcode": 4.0}
    counts = row_counts(db, TABLES)
    assert (counts["submitted_assignment"], counts["grade"]) == (2, 2 * len(GRADE_CELLS))


def test_a_manual_score_from_formgrader_survives_a_regrade(db: Path):
    write(db, [PARTIAL])
    with Gradebook(f"sqlite:///{db}", course_id=COURSE) as gb:
        gb.find_grade("check_nn_model", NOTEBOOK, ASSIGNMENT, "zoë_ünïcode").manual_score = 1.5
        gb.db.commit()
    write(db, [PARTIAL])
    assert scores(db, COURSE, ASSIGNMENT) == {"zoë_ünïcode": 3.5}


def test_max_scores_come_from_the_trusted_points(db: Path):
    write(db, [FULL])
    write(db, [], grade_cells=[(name, 3.0 if name == "check_forward_propagation" else points)
                               for name, points in GRADE_CELLS])
    with Gradebook(f"sqlite:///{db}", course_id=COURSE) as gb:
        assert gb.find_grade_cell("check_forward_propagation", NOTEBOOK, ASSIGNMENT).max_score == 3.0
        assert gb.find_submission(ASSIGNMENT, "ada").max_score == 6.0


def test_a_result_graded_out_of_other_points_is_refused(db: Path):
    inflated = make_result("mallory", {"check_layer_sizes": [True]}, points={"check_layer_sizes": 50.0})
    with pytest.raises(ValueError, match="graded out of 50.0"):
        write(db, [inflated])
    with pytest.raises(ValueError, match="not a grade cell"):
        write(db, [make_result("mallory", {"check_bonus": [True]}, points={"check_bonus": 1.0})])
    assert scores(db, COURSE, ASSIGNMENT) == {}


def test_a_missing_exercise_scores_zero(db: Path):
    write(db, [make_result("ada", {"check_layer_sizes": [True]})])
    assert scores(db, COURSE, ASSIGNMENT) == {"ada": 1.0}
    assert row_counts(db, TABLES)["grade"] == len(GRADE_CELLS)


def test_an_exercise_added_later_gets_rows_in_existing_submissions(db: Path):
    first_two = make_result("ada", {"check_layer_sizes": [True], "check_forward_propagation": [True, True]})
    write(db, [first_two], grade_cells=GRADE_CELLS[:2])
    assert row_counts(db, TABLES)["grade"] == 2
    write(db, [FULL])
    assert scores(db, COURSE, ASSIGNMENT) == {"ada": 5.0}
    assert row_counts(db, TABLES)["grade"] == len(GRADE_CELLS)


def test_a_run_killed_midway_keeps_what_it_wrote(db: Path):
    def results_then_crash():
        yield FULL
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write(db, results_then_crash())
    assert scores(db, COURSE, ASSIGNMENT) == {"ada": 5.0}


def test_late_penalty_and_timestamp_reach_nbgrader_export(db: Path):
    """course.yaml's late policy: the penalty is stored where nbgrader export subtracts it."""
    from datetime import timedelta

    from autograder.config import LatePolicy

    due = datetime(2026, 12, 18, 23, 59, tzinfo=timezone.utc)
    policy = LatePolicy(penalty_per_day=0.1, max_penalty=0.5)
    assert policy.penalty(10, due - timedelta(hours=1), due) == 0
    assert policy.penalty(10, due + timedelta(hours=1), due) == 1.0      # a started day counts
    assert policy.penalty(10, due + timedelta(days=2, hours=1), due) == 3.0
    assert policy.penalty(10, due + timedelta(days=30), due) == 5.0      # capped

    late = make_result("late_lou", flags([True], [True, True], [True, False]))   # 1 + 2 + 1 = 4
    late.submitted_at = (due + timedelta(hours=5)).isoformat()
    late.late_penalty = policy.penalty(late.score, due + timedelta(hours=5), due)
    write(db, [late])
    row = nbgrader_export(db, COURSE)["late_lou"]
    assert float(row["late_submission_penalty"]) == late.late_penalty == 0.4
    assert float(row["score"]) == 3.6
    assert row["timestamp"].startswith("2026-12-19 04:59")


@pytest.mark.slow
def test_the_schema_version_read_in_process_is_the_one_nbgrader_stamps(monkeypatch):
    """record() stamps new gradebooks without nbgrader's 3 s `alembic heads` subprocess."""
    import nbgrader.api

    from autograder.gradebook import _alembic_head

    monkeypatch.setenv("PATH", environment()["PATH"])  # nbgrader runs `alembic heads` by name
    assert _alembic_head() == nbgrader.api.get_alembic_version()
