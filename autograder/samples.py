"""Build realistic submissions: the released notebook, answered, with chosen functions replaced.

Used by `autograder demo` (the bundled sample class in samples/) and by the mutation tests
(tests/mutants/): a submission is the student's release with every solution cell filled in
with the reference answer, except the functions given, whose cells get the code given. Hidden
tests are never in a built submission, as they are never in a student's.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import COURSE_ROOT
from .config import Assignment

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _solution_cells(cells: list[dict]) -> dict[str, dict]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def answered_release(assignment: Assignment, replacements: dict[str, str] | None = None,
                     root: Path = COURSE_ROOT) -> dict:
    """The release notebook with reference answers, except ``replacements`` (function -> code)."""
    replacements = dict(replacements or {})
    release = json.loads((root / "assignments" / assignment.id / assignment.notebook).read_text(encoding="utf-8"))
    answers = _solution_cells(_cells(root / "solutions" / assignment.id / assignment.notebook))
    for grade_id, cell in _solution_cells(release["cells"]).items():
        source = "".join(answers[grade_id]["source"])
        answer = "\n".join(line for line in source.splitlines() if not _MARKER.match(line))
        cell["source"] = replacements.pop(grade_id, answer)
    if replacements:
        raise KeyError(f"no solution cell for {sorted(replacements)} in {assignment.notebook}")
    return release


def write_submission(folder: Path, notebook_name: str, content: dict | str | bytes) -> Path:
    """DIR/<student>/<assignment>/<notebook>: a notebook dict, or raw text/bytes for broken files."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / notebook_name
    if isinstance(content, dict):
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
