"""Grading on a Dask cluster: `autograder grade … --scheduler ADDRESS` (or `--cluster local:N`).

This process stays the coordinator. It reads each submission as the local pool would (bounded,
never through a link) and sends its bytes, so a worker machine needs the course checkout and
its venv, not the submissions folder. Every Dask worker keeps, through a WorkerPlugin, the
trusted grader and one pre-warmed sandbox per worker thread, grades with batch.grade_one — the
local pool's own per-submission function — and sends back only the plain result record. Only
the coordinator records results (batch.grade_all), so gradebook, feedback and reports are those
of a local run.

A worker lost mid-batch costs nothing: the scheduler hands its submissions to other workers,
and each result is recorded once, by the coordinator, when it arrives. A submission whose
grading ends its worker again and again — a crash, or the trusted side's deadline, which can
stop a worker thread only by ending its process (its nanny starts a new one) — is given up after
the scheduler's allowed-failures (distributed.scheduler.allowed-failures, 3 by default) and
recorded with 0 and a reason.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from . import COURSE_ROOT
from .batch import GraderFailure, Worker, grade_one
from .config import Assignment, load_course, one_assignment_yaml
from .notebook import MAX_NOTEBOOK_BYTES
from .pipeline import AssignmentGrader, notebook_label
from .submissions import MAX_TIMESTAMP_BYTES, Submission, UnreadableFile, read_regular


def checkout_digest(assignment: Assignment, root: Path = COURSE_ROOT) -> str:
    """What grading depends on besides course.yaml: the source notebook and the hidden graders.
    A worker whose checkout differs would grade by other rules, so it refuses."""
    files = [root / "solutions" / assignment.id / assignment.notebook,
             *sorted((root / "autograder" / "assignments" / assignment.id).glob("*.py"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Parcel:
    """One submission as the coordinator sends it: names as on disk, contents as read there."""
    student_id: str
    folder: str                     # the student folder's name
    problems: list[str] = field(default_factory=list)
    notebook: str | None = None     # the chosen notebook's file name
    data: bytes | None = None       # its bytes; None when the coordinator could not read it
    refusal: str = ""               # why not, in the words of the local pipeline
    label: str = ""                 # the notebook's path below the submissions folder, as safe text
    timestamp: bytes | None = None  # nbgrader's timestamp.txt, when there is a readable one

    @classmethod
    def of(cls, submission: Submission) -> Parcel:
        data, refusal = None, ""
        if submission.notebook is not None:
            try:
                data = read_regular(submission.notebook, submission.root, MAX_NOTEBOOK_BYTES)
            except UnreadableFile as error:
                refusal = str(error)
        try:
            timestamp = read_regular(submission.folder / "timestamp.txt", submission.root, MAX_TIMESTAMP_BYTES)
        except UnreadableFile:
            timestamp = None
        return cls(submission.student_id, submission.folder.parent.name, list(submission.problems),
                   submission.notebook.name if submission.notebook else None, data, refusal,
                   notebook_label(submission.notebook, submission.root), timestamp)

    def unpack(self, root: Path, assignment_id: str) -> Submission:
        """The submission laid out again below ``root`` as it was below the submissions folder.
        One the coordinator could not read comes without a notebook and with the reason."""
        folder = root / self.folder / assignment_id
        folder.mkdir(parents=True)
        if self.timestamp is not None:
            (folder / "timestamp.txt").write_bytes(self.timestamp)
        if self.data is None:
            problems = self.problems + ([self.refusal] if self.refusal else [])
            return Submission(self.student_id, folder, None, problems)
        (folder / self.notebook).write_bytes(self.data)
        return Submission(self.student_id, folder, folder / self.notebook, list(self.problems))


class GradingPlugin(WorkerPlugin):
    """On every Dask worker, new ones included: the trusted grader of one assignment, loaded
    once, and a sandbox per worker thread, started at set-up (a sandbox's children belong to the
    thread that started it, and Dask runs tasks in a pool of long-lived threads)."""

    def __init__(self, course_yaml: str, assignment_id: str, isolation: str, allow_unconfined: bool, digest: str):
        self.course_yaml, self.assignment_id, self.digest = course_yaml, assignment_id, digest
        self.isolation, self.allow_unconfined = isolation, allow_unconfined
        self.name = f"autograder-{assignment_id}"

    async def setup(self, worker) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="autograder-dask-"))
        course_file = self.scratch / "course.yaml"
        course_file.write_text(self.course_yaml, encoding="utf-8")
        course = load_course(course_file, root=COURSE_ROOT)
        self.grader = AssignmentGrader(course, course.assignment(self.assignment_id))
        self.own_digest = checkout_digest(self.grader.assignment)
        self.workers: dict[int, Worker] = {}
        threads = worker.state.nthreads
        arrived = threading.Barrier(threads)   # each warm-up waits for the others: one per thread
        await asyncio.gather(*(asyncio.wrap_future(worker.executor.submit(self._warm, arrived))
                               for _ in range(threads)))

    def _warm(self, arrived: threading.Barrier) -> None:
        arrived.wait(timeout=60)
        try:
            self.local().ready_sandbox()
        except GraderFailure:
            pass   # reported by the first submission graded in this thread

    def local(self) -> Worker:
        """This thread's worker (its sandbox is started when missing)."""
        return self.workers.setdefault(threading.get_ident(), Worker(self.grader, self.isolation,
                                                                     self.allow_unconfined, self.scratch))

    def teardown(self, worker) -> None:
        for each in self.workers.values():
            each.drop_sandbox()
        shutil.rmtree(self.scratch, ignore_errors=True)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """The trusted side's deadline in a worker thread, which no signal can interrupt: past it,
    the whole worker process ends (its nanny starts another and Dask retries elsewhere)."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def grade_parcel(plugin_name: str, parcel: Parcel) -> tuple[dict, str | None]:
    """The Dask task: one submission graded on this worker; the plain record comes back."""
    plugin: GradingPlugin = get_worker().plugins[plugin_name]
    if plugin.own_digest != plugin.digest:
        raise GraderFailure(f"the Dask worker {get_worker().address} has another version of "
                            f"{plugin.assignment_id}'s source notebook or graders than the coordinator: "
                            "give every worker the same course checkout")
    worker = plugin.local()
    with tempfile.TemporaryDirectory(dir=plugin.scratch) as scratch:
        worker.root = Path(scratch)
        record, warning = grade_one(worker, parcel.unpack(Path(scratch), plugin.assignment_id), deadline=_watchdog)
    record["notebook"] = parcel.label   # below the coordinator's submissions folder, as a local run says
    return record, warning


@contextmanager
def connect(where: str) -> Iterator[Client]:
    """A client of the scheduler at ``where``, or of a cluster of N local worker processes
    ("local:N", one grading thread each, on 127.0.0.1) that lives as long as the block."""
    if where.startswith("local:"):
        count = where.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise GraderFailure(f"--cluster local:N needs a number of workers, not {where!r}")
        with LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    else:
        try:
            client = Client(where, timeout=30)
        except (OSError, TimeoutError) as error:
            raise GraderFailure(f"no Dask scheduler answers at {where}: {error}") from None
        with client:
            yield client


def task_key(assignment: Assignment, student_id: str) -> str:
    """The Dask task of one submission, named so a dashboard or log says whose it is."""
    return f"grade-{assignment.id}-{student_id}"


@contextmanager
def dask_pool(client: Client, trusted: AssignmentGrader, submissions: list[Submission], isolation: str,
              allow_unconfined: bool) -> Iterator[Iterator[tuple[Submission, Callable[[], tuple[dict, str | None]]]]]:
    """batch.grade_all's pool on a Dask cluster: each submission as a task, the results as they
    complete; the plugin (and with it every sandbox) goes away with the block."""
    assignment = trusted.assignment
    plugin = GradingPlugin(one_assignment_yaml(trusted.course, assignment), assignment.id, isolation,
                           allow_unconfined, checkout_digest(assignment))
    try:
        client.register_plugin(plugin, name=plugin.name)
    except Exception as error:  # noqa: BLE001 - a worker could not set up: say why
        raise GraderFailure(f"the Dask workers could not prepare {assignment.id}: {error}") from None
    try:
        futures = {client.submit(grade_parcel, plugin.name, Parcel.of(submission), pure=False,
                                 key=task_key(assignment, submission.student_id)): submission
                   for submission in submissions}
        yield ((futures[future], _outcome(future)) for future in as_completed(futures))
    finally:
        client.unregister_worker_plugin(plugin.name)


class SubmissionLost(RuntimeError):
    """Grading this submission ended its worker as many times as the scheduler allows."""


def _outcome(future) -> Callable[[], tuple[dict, str | None]]:
    def result() -> tuple[dict, str | None]:
        try:
            return future.result()
        except KilledWorker as error:
            raise SubmissionLost(f"grading it ended a Dask worker each time it was tried, and the scheduler "
                                 f"gave up ({error})") from None
    return result
