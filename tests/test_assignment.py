"""Every assignment of course.yaml end to end: reference = full marks, stubs = 0, the release is
current and leaks nothing, the notebooks run in real kernels, and students' local checks work.
Each test runs once per assignment (the ``assignment`` fixture)."""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import COURSE_ROOT, assignments
from autograder.reference import load_reference, source_notebook
from autograder.samples import answered_release, write_submission
from conftest import COURSE
from helpers import run, scores


def release_dir(assignment) -> Path:
    return COURSE_ROOT / "assignments" / assignment.id


def test_reference_earns_full_marks(grade_notebook, grader, tmp_path):
    source = json.loads(source_notebook(grader.assignment).read_text())
    result = grade_notebook(source, tmp_path)
    assert scores(result) == grader.assignment.exercises, [c for e in result.exercises for c in e.cases if not c.passed]
    assert result.problems == []


def test_answered_release_earns_full_marks(grade_notebook, grader, tmp_path):
    result = grade_notebook(answered_release(grader.assignment), tmp_path)
    assert result.score == grader.assignment.total_points


def test_stubs_score_zero_saying_not_implemented(grade_notebook, grader, tmp_path):
    result = grade_notebook((release_dir(grader.assignment) / grader.assignment.notebook).read_text(), tmp_path)
    assert result.score == 0
    for exercise in result.exercises:
        for case in exercise.cases:
            assert case.mistake == "not_implemented", (exercise.name, case.hint)
            assert f"{exercise.name} is not implemented yet" in case.hint


def _cells(path: Path) -> list[dict]:
    return [{"type": c["cell_type"], "source": "".join(c["source"]), "nbgrader": c["metadata"].get("nbgrader")}
            for c in json.loads(path.read_text())["cells"]]


@pytest.mark.slow
def test_release_is_generated_from_the_source_and_leaks_nothing(tmp_path, assignment):
    """Regenerate with the real `nbgrader generate_assignment` and compare with what is committed."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "course.yaml"):
        shutil.copy(COURSE_ROOT / name, course / name)
    shutil.copytree(COURSE_ROOT / "solutions", course / "solutions")
    done = run("nbgrader", "generate_assignment", assignment.id, "--force", cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    fresh, committed = course / "assignments" / assignment.id, release_dir(assignment)
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir()
                                                              if p.name != "__pycache__")
    for path in fresh.iterdir():
        if path.suffix == ".ipynb":
            assert _cells(path) == _cells(committed / path.name), "assignments/ is stale: run `make release`"
        else:
            assert path.read_bytes() == (committed / path.name).read_bytes(), f"{path.name} is stale"

    released = "\n".join((committed / p.name).read_text() for p in fresh.iterdir())
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "hidden_score", "autograder"):
        assert secret not in released
    # no line of reference code (beyond trivial ones) reaches the release, unless the notebook
    # itself shows it outside the solution (e.g. `m = Y.shape[0]` in the text)
    solution = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
    sources = ["".join(cell["source"]) for cell in json.loads(source_notebook(assignment).read_text())["cells"]]
    public = "\n".join(solution.sub("", text) for text in sources)
    for block in (block for text in sources for block in solution.findall(text)):
        for line in block.splitlines():
            if len(line.strip()) > 12 and not line.strip().startswith("#") and line.strip() not in public:
                assert line.strip() not in released, f"reference line leaked: {line.strip()}"


def _execute(path: Path, cwd: Path) -> tuple[nbformat.NotebookNode, float]:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        elapsed = time.perf_counter() - started
    return notebook, elapsed


@pytest.mark.slow
def test_solution_notebook_runs_cleanly_in_a_kernel_within_a_minute(tmp_path, assignment):
    notebook, seconds = _execute(source_notebook(assignment), tmp_path)
    assert seconds <= 60
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text


@pytest.mark.slow
def test_release_runs_until_its_first_stub(tmp_path, assignment):
    with pytest.raises(CellExecutionError) as stopped:
        _execute(release_dir(assignment) / assignment.notebook, tmp_path)
    assert stopped.value.ename == "NotImplementedError"


@pytest.mark.slow
def test_students_public_checks_with_pytest(tmp_path, assignment):
    """`pytest assignments/<id>`: every exercise 'not implemented' on the release, all passing
    once answered; no instructor file needed."""
    count = len(assignment.exercises)
    stubs = tmp_path / "stubs"
    shutil.copytree(release_dir(assignment), stubs, ignore=shutil.ignore_patterns("__pycache__"))
    done = run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(stubs), cwd=tmp_path)
    assert f"{count} failed" in done.stdout, done.stdout
    assert done.stdout.count("is not implemented yet") >= count

    answered = tmp_path / "answered"
    shutil.copytree(release_dir(assignment), answered, ignore=shutil.ignore_patterns("__pycache__"))
    write_submission(answered, assignment.notebook, answered_release(assignment))
    done = run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(answered), cwd=tmp_path)
    assert f"{count} passed" in done.stdout, done.stdout


@pytest.mark.slow
def test_grading_one_notebook_with_pytest_prints_the_score(tmp_path, assignment):
    """`pytest autograder/assignments/<id> --notebook PATH` grades one notebook in the sandbox:
    the first typical mistake of the assignment's demo class loses points and says why."""
    samples = assignments.content(assignment.id, "samples")
    student, changes = next(iter(samples.MISTAKES.items()))
    path = write_submission(tmp_path, assignment.notebook, answered_release(assignment, changes))
    done = run("python", "-m", "pytest", "-p", "no:cacheprovider",
               f"autograder/assignments/{assignment.id}", "--notebook", str(path))
    assert done.returncode == 1, done.stdout
    assert re.search(r"FAILED .*test_\w+\[", done.stdout), done.stdout
    total = re.search(r"total\s+([\d.]+) / ([\d.]+)", done.stdout)
    assert total and 0 < float(total[1]) < float(total[2]) == assignment.total_points, done.stdout


#: (assignment, name) of every value an assignment's cases.py records instead of computing it
#: while grading (its MEASURED table).
MEASURED = [(a.id, name) for a in COURSE.assignments
            for name in getattr(assignments.content(a.id, "cases"), "MEASURED", {})]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id, name", MEASURED, ids=[f"{a}-{n}" for a, n in MEASURED])
def test_recorded_values_are_what_the_reference_measures(assignment_id, name):
    value, measure = assignments.content(assignment_id, "cases").MEASURED[name]
    assert measure(load_reference(COURSE.assignment(assignment_id))) == pytest.approx(value)
