"""Each submission's graded result, kept as JSON in reports/<assignment>/results/<student>.json.

The class report and `autograder show` read the whole class from here, so regrading one student
rebuilds the report from everyone graded so far, never from the last run alone. Files are
written atomically: a run killed midway leaves each one old or new, never half written.
"""
from __future__ import annotations

import json
from pathlib import Path

from .feedback import path_part, write_atomic
from .results import SubmissionResult


def results_dir(reports_dir: Path, assignment_id: str) -> Path:
    return Path(reports_dir) / assignment_id / "results"


def save(result: SubmissionResult, reports_dir: Path) -> Path:
    folder = results_dir(reports_dir, result.assignment)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{path_part(result.student_id)}.json"
    write_atomic(target, json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8"))
    return target


def load(reports_dir: Path, assignment_id: str, student_id: str) -> SubmissionResult | None:
    path = results_dir(reports_dir, assignment_id) / f"{path_part(student_id)}.json"
    if not path.is_file():
        return None
    return SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8")))


def load_all(reports_dir: Path, assignment_id: str) -> list[SubmissionResult]:
    """Every stored result of the assignment, by student id."""
    folder = results_dir(reports_dir, assignment_id)
    results = [SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
               for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return sorted(results, key=lambda result: result.student_id)
