"""Stock nbgrader still grades this course, and agrees with `autograder grade` on honest work.

Both real CLIs run once per session, on scratch copies of the course (nbgrader writes its
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
from concurrent.futures import ThreadPoolExecutor
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
    courses: dict[str, Path]                 # assignment -> the course copy nbgrader graded it in
    nbgrader: dict[str, dict[str, float]]   # assignment -> student -> total
    ours: dict[str, dict[str, float]]


#: Stock nbgrader grades two assignments at a time, each in a course copy of its own (its own
#: gradebook): a kernel spends much of its time waiting, so two keep both cores busy.
NBGRADER_AT_ONCE = 2


@pytest.fixture(scope="session")
def graded(course, tmp_path_factory) -> Graded:
    """Every assignment's reference, stubs and agreeing mutants, graded by stock nbgrader and by
    `autograder grade --all` (on all of them at once, alongside, in its own gradebook)."""
    top = tmp_path_factory.mktemp("course")
    submitted, roots = top / "submitted", {}
    for assignment in course.assignments:
        root = roots[assignment.id] = top / assignment.id
        shutil.copytree(COURSE_ROOT / "solutions" / assignment.id, root / "solutions" / assignment.id)
        for name in ("nbgrader_config.py", "course.yaml"):
            shutil.copy(COURSE_ROOT / name, root / name)
    with ThreadPoolExecutor(NBGRADER_AT_ONCE) as pool:
        for done in pool.map(lambda root: run("nbgrader", "generate_assignment", root.name, "--force", cwd=root),
                             roots.values()):
            _ok(done)
    for assignment in course.assignments:
        root = roots[assignment.id]
        release = root / "assignments" / assignment.id / assignment.notebook
        notebooks = {"reference": answered_release(assignment, root=root),
                     "stubs": release.read_text(encoding="utf-8")}
        targets = AssignmentGrader(course, assignment).graders
        notebooks.update({m.id: answered_release(assignment, {targets[m.exercise].target: m.code}, root=root)
                          for m in catalogue(assignment.id).MUTANTS if m.id in AGREEING.get(assignment.id, ())})
        for student, content in notebooks.items():
            for folder in (submitted, root / "submitted"):
                write_submission(folder / student / assignment.id, assignment.notebook, content)

    ours = top / "ours"
    with subprocess.Popen([str(VENV_BIN / "autograder"), "grade", "--all", "--submissions", str(submitted),
                           "--gradebook", str(ours / "gradebook.db"), "--feedback", str(ours / "feedback"),
                           "--reports", str(ours / "reports"), "--workers", "1"],
                          cwd=top, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as grading, ThreadPoolExecutor(NBGRADER_AT_ONCE) as pool:
        for done in pool.map(lambda root: run("nbgrader", "autograde", root.name, "--create", "--force", cwd=root),
                             roots.values()):
            _ok(done)
        stdout, stderr = grading.communicate(timeout=600)
    assert grading.returncode == 0, stdout[-3000:] + stderr[-3000:]
    return Graded(roots, {a.id: scores(roots[a.id] / "gradebook.db", course.course_id, a.id) for a in course.assignments},
                  {a.id: scores(ours / "gradebook.db", course.course_id, a.id) for a in course.assignments})


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
    path = graded.courses[assignment.id] / "autograded" / "reference" / assignment.id / assignment.notebook
    grade_cells = [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                   if cell["metadata"].get("nbgrader", {}).get("grade")]
    assert len(grade_cells) == len(assignment.exercises)
    for cell in grade_cells:
        noise = [output for output in cell.get("outputs", [])
                 if output["output_type"] == "error"
                 or (output["output_type"] == "stream" and output["name"] == "stderr")]
        assert noise == [], (cell["metadata"]["nbgrader"]["grade_id"], noise)
