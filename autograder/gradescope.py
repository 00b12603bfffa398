"""Gradescope: `autograder gradescope ASSIGNMENT` builds the autograder zip Gradescope expects,
and `python -m autograder.gradescope ROOT` (its run_autograder) grades one submission with it.

The zip holds setup.sh (a venv with requirements.lock's pinned packages, then a self-check that
grades the reference), run_autograder, this package with the one assignment's hidden graders,
its source notebook from solutions/ and a course.yaml of that assignment alone. Inside
Gradescope's container the submission is graded exactly as `autograder grade` grades it — the
same pipeline, the same sandbox, the same per-submission deadline — and results.json gets one
test per exercise (or per case: course.yaml's gradescope.tests) whose output is what the
feedback page says: each check and the hint for a failed one, never a hidden input.

Paths follow Gradescope's layout below ROOT (/autograder by default; AUTOGRADER_ROOT for a
tree laid out the same way elsewhere): source/, submission/, results/results.json.
"""
from __future__ import annotations

import json
import math
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from . import COURSE_ROOT
from .config import Assignment, Course, GradescopeSettings, one_assignment_yaml
from .results import SubmissionResult, check_lines

ROOT = Path("/autograder")
#: A fixed time for every entry: the same course gives the same zip, byte for byte.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: a Python 3.11+
# venv with the course's pinned packages, bubblewrap for the sandbox, then a self-check that
# grades the reference notebook (the build fails if it does not get full marks).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
packages=()
command -v bwrap >/dev/null || packages+=(bubblewrap)
PYTHON=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
[ -n "$PYTHON" ] || packages+=(python3.11 python3.11-venv)
if [ "${#packages[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi
PYTHON="${PYTHON:-$(command -v python3.11)}"
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -r "$ROOT/source/requirements.lock"
PYTHONPATH="$ROOT/source" "$ROOT/venv/bin/python" -m autograder.gradescope --self-check
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this, as root in /autograder, for every submission: it grades
# submission/*.ipynb and writes results/results.json.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
# Student code runs under a uid of its own, and where neither bubblewrap nor Landlock can
# confine it, these keep the reference, the graders and who submitted out of its reach.
chmod -R go-rwx "$ROOT/source/solutions" "$ROOT/source/autograder/assignments"
if [ -e "$ROOT/submission_metadata.json" ]; then chmod go-rwx "$ROOT/submission_metadata.json"; fi
cd "$ROOT"
PYTHONPATH="$ROOT/source" exec "$PYTHON" -m autograder.gradescope "$ROOT"
"""


# ---------------------------------------------------------------- building the zip

def _files(assignment: Assignment, root: Path) -> list[Path]:
    """This package without other assignments' hidden folders, and the source notebook."""
    package = root / "autograder"
    others = {p for p in (package / "assignments").iterdir() if p.is_dir() and p.name != assignment.id}
    found = [path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts
             and not any(path.is_relative_to(other) for other in others)]
    return sorted(found) + [root / "solutions" / assignment.id / assignment.notebook]


def build(course: Course, assignment: Assignment, out: Path, root: Path = COURSE_ROOT) -> Path:
    """Write Gradescope's autograder zip for ``assignment`` to ``out``; setup.sh and
    run_autograder at its root, as Gradescope requires."""
    entries = {"setup.sh": SETUP.encode(), "run_autograder": RUN.encode(),
               "requirements.lock": (root / "requirements.lock").read_bytes(),
               "course.yaml": one_assignment_yaml(course, assignment).encode("utf-8")}
    entries.update({path.relative_to(root).as_posix(): path.read_bytes() for path in _files(assignment, root)})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out


# ---------------------------------------------------------------- results.json

def results(result: SubmissionResult, settings: GradescopeSettings, seconds: float) -> dict:
    """Gradescope's results.json for one graded submission. Every text comes from the result,
    which holds only what the feedback page shows (checks, hints, problems)."""
    tests = []
    for number, exercise in enumerate(result.exercises, start=1):
        if settings.tests == "exercise":
            tests.append({"name": exercise.name, "number": str(number), "score": exercise.points,
                          "max_score": exercise.max_points, "output": "\n".join(check_lines(exercise)),
                          "status": "passed" if exercise.points >= exercise.max_points else "failed",
                          "visibility": settings.visibility})
            continue
        total = sum(case.weight for case in exercise.cases) or 1.0
        for index, case in enumerate(exercise.cases, start=1):
            worth = round(exercise.max_points * case.weight / total, 2)
            tests.append({"name": f"{exercise.name}: {case.description}", "number": f"{number}.{index}",
                          "score": worth if case.passed else 0.0, "max_score": worth,
                          "output": "passed" if case.passed else case.hint,
                          "status": "passed" if case.passed else "failed", "visibility": settings.visibility})
    problems = "\n".join(f"- {problem}" for problem in result.problems)
    return {"score": result.score, "execution_time": math.ceil(seconds),
            "output": f"Things to fix in your notebook first:\n{problems}" if problems else "",
            "visibility": settings.visibility, "stdout_visibility": settings.stdout_visibility,
            "extra_data": {"isolation": result.isolation, "notebook": result.notebook},
            "tests": tests}


# ---------------------------------------------------------------- inside Gradescope

def grade(course: Course, submission_dir: Path) -> tuple[SubmissionResult, str | None]:
    """The notebook in ``submission_dir`` graded as `autograder grade` grades one: the same
    worker, sandbox (bubblewrap, else Landlock, else seccomp and a uid of its own: Gradescope's
    container holds one submission, and run_autograder locked the secrets away) and deadline."""
    from .batch import Worker, grade_one
    from .pipeline import AssignmentGrader
    from .submissions import Submission, choose_notebook

    assignment = course.assignments[0]
    worker = Worker(AssignmentGrader(course, assignment), "auto", True, submission_dir)
    submission = choose_notebook(Submission("submission", submission_dir), assignment)
    try:
        record, warning = grade_one(worker, submission)
    finally:
        worker.drop_sandbox()
    return SubmissionResult.from_dict(record), warning


def run(root: Path) -> int:
    """run_autograder: grade ROOT/submission, write ROOT/results/results.json. A failure of the
    grader itself writes no results (Gradescope then reports the run as failed) and exits 1."""
    from .config import load_course

    started = time.perf_counter()
    try:
        course = load_course()
        result, warning = grade(course, root / "submission")
    except Exception:  # noqa: BLE001 - ours, not the student's: the log is for the instructor
        traceback.print_exc()
        return 1
    print(f"graded {result.notebook or 'nothing'} with the autograder in {COURSE_ROOT} "
          f"({result.isolation} isolation): {result.score:g} / {result.max_score:g}")
    if warning:
        print(f"WARNING: {warning}")
    report = results(result, course.gradescope, time.perf_counter() - started)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def self_check() -> int:
    """setup.sh's last step: the reference notebook must get full marks here."""
    from .config import load_course

    course = load_course()
    assignment = course.assignments[0]
    with tempfile.TemporaryDirectory() as scratch:
        submission = Path(scratch) / "submission"
        submission.mkdir()
        shutil.copy(COURSE_ROOT / "solutions" / assignment.id / assignment.notebook, submission)
        result, warning = grade(course, submission)
    print(f"self-check: the reference scores {result.score:g} / {result.max_score:g} "
          f"({result.isolation} isolation){f'; {warning}' if warning else ''}")
    return 0 if result.score == result.max_score else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--self-check"]:
        sys.exit(self_check())
    sys.exit(run(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT))
