"""Grading on Dask: a real LocalCluster of worker processes gives the gradebook, feedback and
reports of a local run, even when a worker is killed mid-batch (nothing lost, nothing recorded
twice); a submission whose grading kills its worker every time is scored 0 with a reason after
the scheduler's allowed failures; and `dask scheduler` and `dask worker`, started as separate
commands on 127.0.0.1, grade through `autograder grade --scheduler`."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster
from rich.console import Console

from autograder import COURSE_ROOT
from autograder.batch import grade_all
from autograder.cluster import task_key
from autograder.gradebook import scores
from autograder.samples import answered_release, write_sample_class, write_submission
from conftest import COURSE
from helpers import VENV_BIN, environment, row_counts, run

pytestmark = pytest.mark.slow

ASSIGNMENT = COURSE.assignment("shallow_network")
#: Slow enough to be caught running: each call of layer_sizes sleeps (within the call limit).
SLOW = "def layer_sizes(X, Y):\n    import time\n    time.sleep(2)\n    return X.shape[0], 2, Y.shape[0]"


@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> Path:
    """The demo class without its attacker (whose time-outs would only slow the run down)."""
    folder = tmp_path_factory.mktemp("class") / "submitted"
    write_sample_class(folder, ASSIGNMENT)
    shutil.rmtree(folder / "mallory_attacks")
    return folder


def _grade(submitted: Path, out: Path, client=None, students=None):
    return grade_all(COURSE, ASSIGNMENT, submitted, out / "gradebook.db", out / "feedback", out / "reports", 2,
                     console=Console(file=open(os.devnull, "w")), students=students, client=client)


def _kill(client: Client, chosen) -> str | None:
    """SIGKILL the worker process (not its nanny) running a task ``chosen`` picks; its address."""
    try:
        processing = client.processing()
        pids = client.run(os.getpid)
    except Exception:  # noqa: BLE001 - a worker is restarting: look again later
        return None
    for address, keys in processing.items():
        if any(map(chosen, keys)) and address in pids:
            os.kill(pids[address], signal.SIGKILL)
            return address
    return None


class Killer(threading.Thread):
    """Kills a worker busy with a task ``chosen`` picks, up to ``times`` times, while the batch runs."""

    def __init__(self, client: Client, chosen, times: int):
        super().__init__(daemon=True)
        self.client, self.chosen, self.times, self.killed = client, chosen, times, []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and len(self.killed) < self.times:
            address = _kill(self.client, self.chosen)
            if address:
                self.killed.append(address)
                time.sleep(1.0)   # the next kill hits the task's next try, not the same death twice
            self.stop.wait(0.05)


def _same_outputs(local: Path, remote: Path) -> None:
    """The gradebook, every feedback page and report, and every stored result (but its timing)."""
    assert scores(local / "gradebook.db", COURSE.course_id, ASSIGNMENT.id) == \
        scores(remote / "gradebook.db", COURSE.course_id, ASSIGNMENT.id)
    tables = ("submitted_assignment", "submitted_notebook", "grade", "student")
    assert row_counts(local / "gradebook.db", tables) == row_counts(remote / "gradebook.db", tables)
    pages = sorted(p.relative_to(local) for p in local.rglob("*.html"))
    assert pages and pages == sorted(p.relative_to(remote) for p in remote.rglob("*.html"))
    for page in pages + [Path("reports") / ASSIGNMENT.id / "scores.csv"]:
        assert (local / page).read_bytes() == (remote / page).read_bytes(), page
    for stored in (local / "reports" / ASSIGNMENT.id / "results").glob("*.json"):
        mine, theirs = (json.loads(p.read_text()) for p in (stored, remote / stored.relative_to(local)))
        assert {**mine, "seconds": 0} == {**theirs, "seconds": 0}, stored.name


def test_local_cluster_matches_a_local_run_despite_a_lost_worker_and_gives_up_on_a_killer(submitted, tmp_path):
    local = _grade(submitted, tmp_path / "local")
    assert not local.internal_errors
    write_submission(submitted / "zed_slow" / ASSIGNMENT.id, ASSIGNMENT.notebook,
                     answered_release(ASSIGNMENT, {"layer_sizes": SLOW}))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as cluster, Client(cluster) as client:
        # A worker is killed while it holds a submission: the batch must not notice.
        killer = Killer(client, lambda key: key != task_key(ASSIGNMENT, "zed_slow"), times=1)
        killer.start()
        students = [s for s in os.listdir(submitted) if s != "zed_slow"]
        remote = _grade(submitted, tmp_path / "dask", client, students)
        killer.stop.set()
        killer.join()
        assert len(killer.killed) == 1 and not remote.internal_errors
        _same_outputs(tmp_path / "local", tmp_path / "dask")
        # Grading zed_slow ends its worker every time: after allowed-failures + 1 deaths it is 0.
        killer = Killer(client, lambda key: key == task_key(ASSIGNMENT, "zed_slow"), times=2)
        killer.start()
        given_up = _grade(submitted, tmp_path / "dask", client, ["zed_slow"])
        killer.stop.set()
        killer.join()
    assert len(killer.killed) == 2 and len(given_up.internal_errors) == 1
    [result] = given_up.results
    assert result.score == 0 and "the grader failed on this submission" in result.problems[0]
    assert "zed_slow" in scores(tmp_path / "dask" / "gradebook.db", COURSE.course_id, ASSIGNMENT.id)


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None and time.monotonic() < deadline, f"{process.args[:2]} did not start"
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    """End a process this test started, and its process group (the nanny's worker)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_separate_scheduler_and_worker_commands(tmp_path):
    """As a department would: `dask scheduler` and `dask worker` on their own (here on
    127.0.0.1), and `autograder grade --scheduler ADDRESS` as the coordinator."""
    students = {"ada": answered_release(ASSIGNMENT), "olaf_not_json": "not a notebook {",
                "ben": (COURSE_ROOT / "assignments" / ASSIGNMENT.id / ASSIGNMENT.notebook).read_text()}
    for student, notebook in students.items():
        write_submission(tmp_path / "submitted" / student / ASSIGNMENT.id, ASSIGNMENT.notebook, notebook)
    address_file = tmp_path / "scheduler.json"
    common = dict(cwd=tmp_path, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                  start_new_session=True)
    scheduler = subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(address_file)], **common)
    worker = None
    try:
        _wait_for(address_file, scheduler)
        address = json.loads(address_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen([str(VENV_BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                   "--host", "127.0.0.1", "--no-dashboard"], **common)
        done = run("autograder", "grade", ASSIGNMENT.id, "--scheduler", address,
                   "--submissions", str(tmp_path / "submitted"), "--gradebook", str(tmp_path / "gradebook.db"),
                   "--feedback", str(tmp_path / "feedback"), "--reports", str(tmp_path / "reports"),
                   cwd=tmp_path, timeout=180)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                _stop(process)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"on the Dask cluster {address}" in done.stdout
    assert scores(tmp_path / "gradebook.db", COURSE.course_id, ASSIGNMENT.id) == \
        {"ada": ASSIGNMENT.total_points, "ben": 0, "olaf_not_json": 0}
