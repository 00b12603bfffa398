"""The instructor's round trip through nbgrader's own tools, around `autograder grade`.

One course directory laid out as `autograder demo` lays one out (its own nbgrader_config.py),
an exchange in a scratch folder, a student who fetches and submits through it, one who hands
in some other way, and a file that is not a notebook. Every nbgrader command runs as an instructor would run it without
activating the venv (PATH without it): release_assignment, fetch_assignment, submit, collect,
then `autograder grade`, then export, release_feedback, fetch_feedback, formgrader's pages
over HTTP, and formgrader's Autograde (`nbgrader autograde --student`).
"""
from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.nbgrader_course import CONFIG_FILE, demo_config
from autograder.samples import answered_release, write_submission
from helpers import VENV_BIN, run

pytestmark = pytest.mark.slow
ASSIGNMENT = "shallow_network"
NOTEBOOK = "shallow_network.ipynb"
COST_NOT_AVERAGED = "def compute_cost(A2, Y):\n    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))\n"


@dataclass
class Trip:
    course: Path
    exchange: Path
    students: dict[str, Path]      # student id -> their home folder (where they run nbgrader)
    env: dict[str, str]


def nbgrader(trip: Trip, cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    """A real nbgrader command, the venv NOT on PATH (as a user who never activated it)."""
    done = subprocess.run([str(VENV_BIN / "nbgrader"), *arguments], cwd=cwd, env=trip.env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {' '.join(arguments)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def trip(tmp_path_factory, course) -> Trip:
    root = tmp_path_factory.mktemp("trip")
    course_dir, exchange = root / "course", root / "exchange"
    course_dir.mkdir()

    def exchange_config(cache: Path) -> str:   # each user has a cache of their own submissions
        return f"c.Exchange.root = {str(exchange)!r}\nc.Exchange.cache = {str(cache)!r}\n"
    (course_dir / CONFIG_FILE).write_text(demo_config(course_dir) + exchange_config(root / "cache"), encoding="utf-8")
    env = {**os.environ, "PATH": "/usr/bin:/bin", "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
           "JUPYTER_DATA_DIR": str(root / ".data")}
    env.pop("VIRTUAL_ENV", None)
    trip = Trip(course_dir, exchange, {}, env)
    nbgrader(trip, course_dir, "release_assignment", ASSIGNMENT)

    assignment = course.assignment(ASSIGNMENT)
    home = trip.students["ada"] = root / "ada"   # ada goes through the exchange
    home.mkdir()
    (home / CONFIG_FILE).write_text(f"c = get_config()\nc.CourseDirectory.course_id = {course.course_id!r}\n"
                                    + exchange_config(home / "cache"), encoding="utf-8")
    nbgrader(trip, home, "fetch_assignment", ASSIGNMENT)
    (home / ASSIGNMENT / NOTEBOOK).write_text(json.dumps(answered_release(assignment)), encoding="utf-8")
    nbgrader(trip, home, "submit", ASSIGNMENT, "--student", "ada")
    nbgrader(trip, course_dir, "collect", ASSIGNMENT)
    # chen and olaf handed in some other way (no submission secret): a typical mistake, and a
    # file that is not a notebook
    write_submission(course_dir / "submitted" / "chen" / ASSIGNMENT, NOTEBOOK,
                     answered_release(assignment, {"compute_cost": COST_NOT_AVERAGED}))
    write_submission(course_dir / "submitted" / "olaf" / ASSIGNMENT, NOTEBOOK, "this is not a notebook {")

    done = run("autograder", "grade", ASSIGNMENT, "--submissions", str(course_dir / "submitted"),
               "--gradebook", str(course_dir / "gradebook.db"), "--feedback", str(course_dir / "feedback"),
               "--reports", str(course_dir / "reports"), "--workers", "1", cwd=course_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    return trip


def test_collected_submissions_are_graded_with_the_due_date(trip, course):
    rows = nbgrader_export_here(trip)
    assert {row["student_id"]: float(row["score"]) for row in rows} == {"ada": 11.0, "chen": 10.5, "olaf": 0.0}
    due = course.assignment(ASSIGNMENT).due
    assert {row["duedate"] for row in rows} == {f"{due:%Y-%m-%d %H:%M:%S}"}


def nbgrader_export_here(trip: Trip) -> list[dict]:
    """`nbgrader export` in the course directory, with its own config (no hand edits)."""
    import csv

    nbgrader(trip, trip.course, "export", "--to", "grades.csv")
    with open(trip.course / "grades.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_gradebook_holds_what_generate_assignment_records(trip, tmp_path):
    """Every cell, source and checksum as the real `nbgrader generate_assignment` records them."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / CONFIG_FILE).write_text(demo_config(fresh) + f"c.CourseDirectory.release_directory = "
                                     f"{str(fresh / 'release')!r}\n", encoding="utf-8")
    generate_assignment(fresh)
    assert cells(trip.course / "gradebook.db") == cells(fresh / "gradebook.db")


def generate_assignment(course_dir: Path) -> None:
    """nbgrader's own generate_assignment converter, run in this process (an nbgrader command
    costs seconds of start-up) with the course directory's configuration."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config()
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = ASSIGNMENT
    GenerateAssignment(coursedir=coursedir, config=config).start()


def cells(db: Path) -> dict[str, set]:
    queries = {
        "grade": "SELECT b.name, g.max_score, g.cell_type FROM grade_cells g JOIN base_cell b ON b.id = g.id",
        "solution": "SELECT b.name FROM solution_cells s JOIN base_cell b ON b.id = s.id",
        "source": "SELECT name, cell_type, locked, source, checksum FROM source_cell",
    }
    with closing(sqlite3.connect(db)) as connection:
        found = {kind: set(connection.execute(query).fetchall()) for kind, query in queries.items()}
    assert found["grade"] and found["solution"] and len(found["source"]) > 20
    return found


def test_feedback_is_released_and_fetched_with_nbgraders_commands(trip):
    page = trip.course / "feedback" / "ada" / ASSIGNMENT / "shallow_network.html"
    assert page.is_file()
    assert (page.parent / "submission_secret.txt").read_text() == next(
        (trip.course / "submitted" / "ada" / ASSIGNMENT).glob("submission_secret.txt")).read_text()
    # chen's submission had no secret: one of its own, so releasing works for the whole class
    assert len((trip.course / "feedback" / "chen" / ASSIGNMENT / "submission_secret.txt").read_text()) == 128
    nbgrader(trip, trip.course, "release_feedback", ASSIGNMENT)
    assert len(list((trip.exchange / "nn-from-scratch" / "feedback").glob("*.html"))) == 3
    nbgrader(trip, trip.students["ada"], "fetch_feedback", ASSIGNMENT, "--student", "ada")
    [fetched] = (trip.students["ada"] / ASSIGNMENT / "feedback").glob("*/shallow_network.html")
    assert fetched.read_bytes() == page.read_bytes()
    assert "Every check passed" in fetched.read_text(encoding="utf-8")


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(trip):
    """A real Jupyter server with nbgrader's formgrader, started in the course directory."""
    port, token = _free_port(), "roundtrip-token"
    server = subprocess.Popen(
        [str(VENV_BIN / "jupyter"), "server", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={trip.course}"],
        cwd=trip.course, env=trip.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def get(path: str) -> tuple[int, str]:
        separator = "&" if "?" in path else "?"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}{separator}token={token}", timeout=60) as reply:
                return reply.status, reply.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    deadline = time.monotonic() + 90
    while True:
        try:
            if get("/formgrader/api/status")[0] == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.skip(f"the Jupyter server did not start on 127.0.0.1: {server.stderr.read()[-500:]}")
        time.sleep(0.3)
    yield get
    server.terminate()
    server.wait(timeout=30)


def _submission_page(get, student: str) -> str:
    status, listing = get(f"/formgrader/api/student_notebook_submissions/{urllib.parse.quote(student)}/{ASSIGNMENT}")
    assert status == 200
    [notebook] = json.loads(listing)
    status, page = get(f"/formgrader/submissions/{notebook['id']}/")
    assert status == 200, page[-2000:]
    return notebook["id"], page


def test_formgrader_shows_the_class_and_why_points_were_lost(trip, formgrader):
    status, listing = formgrader(f"/formgrader/api/submissions/{ASSIGNMENT}")
    assert status == 200
    assert {row["student"]: row["score"] for row in json.loads(listing)} == {"ada": 11.0, "chen": 10.5, "olaf": 0.0}
    submission, page = _submission_page(formgrader, "chen")
    assert "autograder: compute_cost earned 0.5 of 1 points" in page
    assert "the cost must be averaged over the m examples" in page
    status, comments = formgrader(f"/formgrader/api/comments?submission_id={submission}")
    assert status == 200
    by_cell = {comment["name"]: comment["auto_comment"] for comment in json.loads(comments)}
    assert "the cost must be averaged" in by_cell["compute_cost"]
    assert by_cell["forward_propagation"] == "forward_propagation: 2 / 2 (every check passed)"


def test_formgrader_typesets_maths_without_a_network(formgrader):
    """MathJax comes from this environment (jupyter-server-mathjax), not from a CDN."""
    _, page = _submission_page(formgrader, "ada")
    assert "cdnjs" not in page
    [configs] = re.findall(r"src=['\"]\.\./\.\./\.\./static/jupyter_server_mathjax/MathJax\.js\?config=([^'\"]+)", page)
    status, script = formgrader("/static/jupyter_server_mathjax/MathJax.js")
    assert status == 200 and "MathJax" in script
    for name in configs.split(","):   # each configuration MathJax loads next is served too
        assert formgrader(f"/static/jupyter_server_mathjax/config/{name}.js")[0] == 200, name
    external = re.findall(r"<script[^>]+src=['\"](https?:)?//", page)
    assert external == []


def test_formgrader_opens_a_submission_that_is_not_a_notebook(formgrader):
    _, page = _submission_page(formgrader, "olaf")
    assert "could not be read as a notebook" in page and "not JSON" in page


def test_formgraders_autograde_button_works_and_keeps_the_graded_copy(trip, formgrader):
    """The button runs `nbgrader autograde ASSIGNMENT --student S --force` (stock nbgrader's
    in-kernel path); on this gradebook it must work and leave the autograded notebook."""
    done = nbgrader(trip, trip.course, "autograde", ASSIGNMENT, "--student", "ada", "--force")
    assert "does not exist in the database" not in done.stderr
    graded = trip.course / "autograded" / "ada" / ASSIGNMENT / NOTEBOOK
    assert graded.is_file()
    assert {row["student_id"]: float(row["score"]) for row in nbgrader_export_here(trip)}["ada"] == 11.0
    _submission_page(formgrader, "ada")
