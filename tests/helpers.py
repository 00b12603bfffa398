"""Small helpers shared by tests that drive the real command-line tools."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder import COURSE_ROOT

VENV_BIN = Path(sys.executable).parent


def environment() -> dict[str, str]:
    """This venv first on PATH: nbgrader shells out to alembic, our CLI is a console script."""
    return {**os.environ, "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])}


def run(*command: str, cwd: Path = COURSE_ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / command[0]), *command[1:]], cwd=cwd, env=environment(),
                          capture_output=True, text=True, timeout=timeout)


def scores(result) -> dict[str, float]:
    """{exercise: points} of a SubmissionResult."""
    return {exercise.name: exercise.points for exercise in result.exercises}
