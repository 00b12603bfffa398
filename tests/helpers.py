"""Small helpers shared by tests that drive the real command-line tools and processes."""
from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.config import Limits
from autograder.sandbox import Sandbox, SandboxedStudent, SandboxError

VENV_BIN = Path(sys.executable).parent
#: The real path of this checkout's child.py: in the command line of every zygote and child
#: (no bubblewrap) and of bwrap itself, which lives as long as anything in its namespace.
#: Other checkouts' runs on the same machine do not match.
SANDBOX_MARK = str(COURSE_ROOT / "autograder" / "sandbox" / "child.py").encode()
#: Small limits keep the sandbox tests' timeouts quick.
SANDBOX_LIMITS = Limits(call_seconds=1, submission_seconds=30, memory_mb=512, output_mb=1)
ISOLATIONS = ["bubblewrap", "landlock", "none"]
#: isolation -> why it cannot be used on this machine, found out once per run.
UNUSABLE: dict[str, str] = {}


def environment() -> dict[str, str]:
    """This venv first on PATH: nbgrader's CLI shells out to alembic, our CLI is a console script."""
    return {**os.environ, "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])}


def run(*command: str, cwd: Path = COURSE_ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / command[0]), *command[1:]], cwd=cwd, env=environment(),
                          capture_output=True, text=True, timeout=timeout)


def scores(result) -> dict[str, float]:
    """{exercise: points} of a SubmissionResult."""
    return {exercise.name: exercise.points for exercise in result.exercises}


def row_counts(db: Path, tables: tuple[str, ...]) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables}


def nbgrader_export(db: Path, course_id: str) -> dict[str, dict[str, str]]:
    """The real `nbgrader export`, run in db's folder with a config pointing at db; rows by student."""
    course_dir = db.parent
    (course_dir / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course_dir)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\nc.CourseDirectory.db_url = 'sqlite:///{db}'\n",
        encoding="utf-8",
    )
    env = {**environment(), "JUPYTER_CONFIG_DIR": str(course_dir / ".jupyter")}  # no stray user config
    subprocess.run([str(VENV_BIN / "nbgrader"), "export", "--to", "grades.csv"],
                   cwd=course_dir, env=env, check=True, capture_output=True, timeout=120)
    with open(course_dir / "grades.csv", encoding="utf-8", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def _parent(pid: int) -> int:
    """The parent's pid, or 0 when the process is gone."""
    try:
        stat = Path("/proc", str(pid), "stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _other_test_workers() -> set[int]:
    """Under pytest-xdist, the other workers (this one's siblings): the sandboxes they start
    are theirs to count. Empty in a plain pytest run."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return set()
    controller = os.getppid()
    return {int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and int(entry) != os.getpid() and _parent(int(entry)) == controller}


def sandbox_processes(mark: bytes = SANDBOX_MARK) -> dict[int, bytes]:
    """Live processes whose command line holds ``mark``, except those started by another
    pytest-xdist worker; zombies have none and do not count. An orphan has lost its ancestry,
    so a sandbox left behind by anyone still counts."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path("/proc", entry, "cmdline").read_bytes()
            except OSError:
                continue
            if mark in cmdline:
                found[int(entry)] = cmdline
    others = _other_test_workers() if found else set()
    for pid in list(found):
        ancestor = pid
        while ancestor > 1 and ancestor not in others:
            ancestor = _parent(ancestor)
        if ancestor in others:
            del found[pid]
    return found


def leftovers(before: set[int], seconds: float = 3.0) -> dict[int, bytes]:
    """Sandbox processes not in ``before`` that are still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = {pid: cmd for pid, cmd in sandbox_processes().items() if pid not in before}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def new_box(isolation: str, limits: Limits = SANDBOX_LIMITS, **options) -> Sandbox:
    """A sandbox; bubblewrap and landlock cases are skipped, with the reason, where they cannot run."""
    if isolation in UNUSABLE:
        pytest.skip(UNUSABLE[isolation])
    try:
        return Sandbox(limits=limits, isolation=isolation, allow_unconfined=isolation == "none", **options)
    except SandboxError as error:
        if isolation == "none":
            raise
        UNUSABLE[isolation] = f"{isolation} is unusable on this machine: {error}"
        pytest.skip(UNUSABLE[isolation])


def shared_box(boxes: dict[str, Sandbox], isolation: str) -> Sandbox:
    """The module's sandbox of that isolation (see the ``boxes`` fixture), made on first use."""
    if isolation not in boxes:
        boxes[isolation] = new_box(isolation)
    return boxes[isolation]


def open_student(box: Sandbox, *sources: str) -> SandboxedStudent:
    """A submission whose cells are ``sources``, labelled cell 1, cell 2, ..."""
    return box.open([(f"cell {number}", textwrap.dedent(source).strip())
                     for number, source in enumerate(sources, start=1)])
