"""Stock nbgrader still grades this course, and agrees with `autograder grade` on honest work.

Both real CLIs run once per session on one scratch copy of the course (nbgrader writes its
gradebook and autograded/ next to nbgrader_config.py); not once per module, because pytest
interleaves this module's tests with other modules' per assignment and would rebuild it each
time. Only mutants that both paths must score alike are compared: stock nbgrader scores a grade
cell 0 when its public check fails or anything reaches stderr (a NumPy RuntimeWarning, say),
while `autograder grade` keeps the hidden cases' partial credit, so such mutants differ by design.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.gradebook import scores
from autograder.samples import answered_release, write_submission
from autograder.pipeline import AssignmentGrader
from helpers import VENV_BIN, environment, run
from mutants import catalogue

pytestmark = pytest.mark.slow


#: Mutants both paths must score alike. shallow_network: init_uniform passes every public
#: check, so only the hidden cases cost it points (10.67); forward_tanh fails its own public
#: check but earns nothing there on either path, and keeps partial credit in nn_model and
#: predict, whose public checks pass (7.33).
AGREEING = {"shallow_network": ("init_uniform", "forward_tanh")}


@dataclass
class Graded:
    course: Path
    nbgrader: dict[str, dict[str, float]]   # assignment -> student -> total
    ours: dict[str, dict[str, float]]


@pytest.fixture(scope="session")
def graded(course, tmp_path_factory) -> Graded:
    """Every assignment's reference, stubs and agreeing mutants, graded by stock nbgrader and by
    `autograder grade --all` in one scratch copy of the course."""
    root = tmp_path_factory.mktemp("course")
    for name in ("nbgrader_config.py", "course.yaml"):
        shutil.copy(COURSE_ROOT / name, root / name)
    shutil.copytree(COURSE_ROOT / "solutions", root / "solutions")
    submitted = root / "submitted"
    for assignment in course.assignments:
        _ok(run("nbgrader", "generate_assignment", assignment.id, "--force", cwd=root))
        release = root / "assignments" / assignment.id / assignment.notebook
        notebooks = {"reference": answered_release(assignment, root=root),
                     "stubs": release.read_text(encoding="utf-8")}
        targets = AssignmentGrader(course, assignment).graders
        notebooks.update({m.id: answered_release(assignment, {targets[m.exercise].target: m.code}, root=root)
                          for m in catalogue(assignment.id).MUTANTS if m.id in AGREEING.get(assignment.id, ())})
        for student, content in notebooks.items():
            write_submission(submitted / student / assignment.id, assignment.notebook, content)

    # Ours runs alongside nbgrader (own gradebook; the submissions are only read) to save its time.
    ours = root / "ours"
    with subprocess.Popen([str(VENV_BIN / "autograder"), "grade", "--all", "--submissions", str(submitted),
                           "--gradebook", str(ours / "gradebook.db"), "--feedback", str(ours / "feedback"),
                           "--reports", str(ours / "reports"), "--workers", "1"],
                          cwd=root, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as grading:
        for assignment in course.assignments:
            _ok(run("nbgrader", "autograde", assignment.id, "--create", "--force", cwd=root))
        stdout, stderr = grading.communicate(timeout=600)
    assert grading.returncode == 0, stdout[-3000:] + stderr[-3000:]
    return Graded(root, *({a.id: scores(db, course.course_id, a.id) for a in course.assignments}
                          for db in (root / "gradebook.db", ours / "gradebook.db")))


def _ok(done) -> None:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_nbgrader_gives_the_reference_full_marks_and_the_stubs_zero(graded, assignment):
    assert graded.nbgrader[assignment.id]["reference"] == assignment.total_points
    assert graded.nbgrader[assignment.id]["stubs"] == 0


def test_autograder_grade_agrees_with_nbgrader_per_student(graded, assignment):
    agreeing = AGREEING.get(assignment.id, ())
    ours, theirs = graded.ours[assignment.id], graded.nbgrader[assignment.id]
    assert set(ours) == set(theirs) == {"reference", "stubs", *agreeing}
    assert ours == pytest.approx(theirs, abs=0.01)
    for mutant in agreeing:  # otherwise agreeing would prove little
        assert 0 < theirs[mutant] < assignment.total_points, mutant


def test_reference_grade_cells_write_no_stderr_in_nbgrader(graded, assignment):
    """nbgrader scores a grade cell with any stderr output 0, so the hidden call must keep it clean."""
    path = graded.course / "autograded" / "reference" / assignment.id / assignment.notebook
    grade_cells = [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                   if cell["metadata"].get("nbgrader", {}).get("grade")]
    assert len(grade_cells) == len(assignment.exercises)
    for cell in grade_cells:
        noise = [output for output in cell.get("outputs", [])
                 if output["output_type"] == "error"
                 or (output["output_type"] == "stream" and output["name"] == "stderr")]
        assert noise == [], (cell["metadata"]["nbgrader"]["grade_id"], noise)
