"""Finding submissions in nbgrader's submitted layout and choosing the notebook to grade.

Everything here reads files a student controls: names, sizes and contents are hostile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import dateutil.parser

from .config import Assignment


@dataclass
class Submission:
    student_id: str
    folder: Path                       # DIR/<student_id>/<assignment>
    notebook: Path | None = None       # the notebook chosen for grading
    problems: list[str] = field(default_factory=list)

    @property
    def submitted_at(self) -> datetime | None:
        """When nbgrader collected it (its timestamp.txt), or None when unknown or unreadable."""
        try:
            stamp = dateutil.parser.parse((self.folder / "timestamp.txt").read_text(encoding="utf-8"))
        except (OSError, ValueError, OverflowError):
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)  # nbgrader writes UTC


def find_submissions(submissions_dir: Path, assignment: Assignment) -> list[Submission]:
    """nbgrader's submitted layout: DIR/<student_id>/<assignment>/*.ipynb, sorted by student."""
    found = []
    for student_dir in sorted(p for p in submissions_dir.iterdir() if p.is_dir()):
        folder = student_dir / assignment.id
        if folder.is_dir():
            found.append(choose_notebook(Submission(student_dir.name, folder), assignment))
    return found


def choose_notebook(submission: Submission, assignment: Assignment) -> Submission:
    """The expected notebook, else the one renamed copy (e.g. '... -Copy1.ipynb')."""
    expected = submission.folder / assignment.notebook
    candidates = sorted(p for p in submission.folder.glob("*.ipynb") if p.is_file())
    if expected.is_file():
        submission.notebook = expected
    elif candidates:
        stem = Path(assignment.notebook).stem
        similar = [p for p in candidates if p.stem.startswith(stem)] or candidates
        submission.notebook = max(similar, key=lambda p: p.stat().st_mtime)
        submission.problems.append(
            f"no {assignment.notebook} was found, so {submission.notebook.name} was graded instead")
    else:
        submission.problems.append(f"no notebook was found in the submission (expected {assignment.notebook})")
    return submission
