"""`autograder gradescope`: the zip is laid out as Gradescope requires, and its run_autograder,
run on a tree laid out like Gradescope's (/autograder/source, submission, results), writes a
results.json in Gradescope's published format that scores the reference full, the stub 0 and a
mutant exactly as `autograder grade` does, in tests per exercise or per case, and leaks nothing."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder import COURSE_ROOT
from autograder.config import ConfigError, load_course
from autograder.samples import answered_release, write_submission
from conftest import COURSE
from helpers import VENV_BIN, environment, run, scores
from mutants import catalogue

pytestmark = pytest.mark.slow

ASSIGNMENT = COURSE.assignment("shallow_network")
VISIBILITY = {"enum": ["visible", "hidden", "after_due_date", "after_published"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
#: Gradescope's results.json, as its autograder specification describes every field.
RESULTS_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": FORMAT, "test_output_format": FORMAT, "test_name_format": FORMAT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY, "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["score", "max_score", "name"],
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"}, "name_format": FORMAT,
                "number": {"type": "string"}, "output": {"type": "string"}, "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}}, "visibility": VISIBILITY,
                "extra_data": {"type": "object"}}}},
    },
}


def _build(tmp_path: Path, course_file: Path = COURSE_ROOT / "course.yaml") -> Path:
    done = run("autograder", "--course", str(course_file), "gradescope", ASSIGNMENT.id,
               "--out", str(tmp_path / "autograder.zip"), cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    return tmp_path / "autograder.zip"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("gradescope"))


@pytest.fixture(scope="module")
def per_case(tmp_path_factory) -> Path:
    """The zip of a course.yaml asking for one test per case, hidden from students."""
    folder = tmp_path_factory.mktemp("per_case")
    data = yaml.safe_load((COURSE_ROOT / "course.yaml").read_text())
    data["gradescope"] = {"tests": "case", "visibility": "hidden", "stdout_visibility": "visible"}
    (folder / "course.yaml").write_text(yaml.safe_dump(data))
    return _build(folder, folder / "course.yaml")


def run_autograder(archive: Path, tmp_path: Path, notebook) -> tuple[dict, str]:
    """Gradescope's steps, with the image's venv being this one: the zip unpacked into
    ROOT/source, run_autograder copied to ROOT, the submission in ROOT/submission."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    write_submission(root / "submission", ASSIGNMENT.notebook, notebook)
    env = {**environment(), "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(VENV_BIN / "python")}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"with the autograder in {root / 'source'}" in done.stdout   # the zip's code, not this checkout's
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results, done.stdout


def test_zip_is_laid_out_as_gradescope_requires(archive):
    with zipfile.ZipFile(archive) as unpacked:
        names = set(unpacked.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in unpacked.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.lock", "course.yaml"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert f"solutions/{ASSIGNMENT.id}/{ASSIGNMENT.notebook}" in names
    assert f"autograder/assignments/{ASSIGNMENT.id}/test_{ASSIGNMENT.id}.py" in names
    others = [a.id for a in COURSE.assignments if a.id != ASSIGNMENT.id]
    assert not [n for n in names if any(f"/{other}/" in n for other in others)], "another assignment is in the zip"
    shipped = yaml.safe_load(zipfile.ZipFile(archive).read("course.yaml"))
    assert [a["id"] for a in shipped["assignments"]] == [ASSIGNMENT.id]
    assert zipfile.ZipFile(archive).read("requirements.lock") == (COURSE_ROOT / "requirements.lock").read_bytes()


def test_reference_scores_full_marks_and_nothing_hidden_leaks(archive, tmp_path):
    results, _ = run_autograder(archive, tmp_path, answered_release(ASSIGNMENT))
    assert results["score"] == ASSIGNMENT.total_points
    assert [t["name"] for t in results["tests"]] == list(ASSIGNMENT.exercises)
    assert all(t["score"] == t["max_score"] == ASSIGNMENT.exercises[t["name"]] and t["status"] == "passed"
               for t in results["tests"])
    assert {t["visibility"] for t in results["tests"]} == {results["visibility"]} == {COURSE.gradescope.visibility}
    text = json.dumps(results)
    for path in (COURSE_ROOT / "autograder" / "assignments" / ASSIGNMENT.id).glob("*.py"):
        for line in path.read_text().splitlines():
            code = line.strip()
            if len(code) > 25 and not code.startswith(("#", '"', "'")) and "HINTS" not in code:
                assert code not in text, f"grader code leaked: {code}"
    for secret in ("solutions", "autograder/assignments"):
        assert stat.S_IMODE(os.stat(tmp_path / "autograder" / "source" / secret).st_mode) == 0o700


def test_stub_and_unreadable_file_score_zero_with_a_reason(archive, tmp_path):
    release = (COURSE_ROOT / "assignments" / ASSIGNMENT.id / ASSIGNMENT.notebook).read_text()
    results, _ = run_autograder(archive, tmp_path / "stub", release)
    assert results["score"] == 0 and all(t["score"] == 0 and t["status"] == "failed" for t in results["tests"])
    broken, _ = run_autograder(archive, tmp_path / "broken", "this is not a notebook {")
    assert broken["score"] == 0 and "not a valid notebook" in broken["output"]


MUTANTS = [m for m in catalogue(ASSIGNMENT.id).MUTANTS if m.id in ("forward_no_b1", "cost_without_1_over_m")]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_scores_as_autograder_grade_does(archive, per_case, mutant, grade_as, tmp_path):
    notebook = answered_release(ASSIGNMENT, {mutant.exercise: mutant.code})
    expected = grade_as(ASSIGNMENT.id, notebook, tmp_path / "local")
    results, _ = run_autograder(archive, tmp_path / "gs", notebook)
    assert {t["name"]: t["score"] for t in results["tests"]} == scores(expected)
    assert results["score"] == expected.score < ASSIGNMENT.total_points
    failed = next(t for t in results["tests"] if t["name"] == mutant.exercise)
    hints = [c.hint for e in expected.exercises if e.name == mutant.exercise for c in e.cases if not c.passed]
    assert failed["status"] == "failed" and all(hint in failed["output"] for hint in hints)
    if mutant is MUTANTS[0]:   # the same submission, one test per case, hidden from students
        cases, stdout = run_autograder(per_case, tmp_path / "cases", notebook)
        assert cases["score"] == expected.score and cases["stdout_visibility"] == "visible"
        assert len(cases["tests"]) == sum(len(e.cases) for e in expected.exercises)
        assert {t["visibility"] for t in cases["tests"]} == {"hidden"}
        for exercise in expected.exercises:
            own = [t for t in cases["tests"] if t["name"].startswith(f"{exercise.name}: ")]
            assert sum(t["score"] for t in own) == pytest.approx(exercise.points, abs=0.02)


def test_gradescope_settings_are_checked_with_the_line(tmp_path):
    text = (COURSE_ROOT / "course.yaml").read_text()
    (tmp_path / "course.yaml").write_text(text.replace("assignments:\n", "gradescope:\n  visibility: sometimes\n\nassignments:\n", 1))
    with pytest.raises(ConfigError, match=r"gradescope\.visibility: Input should be 'visible', 'hidden'"):
        load_course(tmp_path / "course.yaml")
