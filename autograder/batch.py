"""`autograder grade`: every submission of an assignment, in parallel, into the gradebook.

Workers are forked from this trusted process once (or run on a Dask cluster: cluster.py);
each owns an AssignmentGrader and a pre-warmed sandbox and grades many submissions with
grade_one. Results come back as plain dicts, and this process alone records them (gradebook,
committed per submission), writes feedback, advances the progress bar and finally writes the
class report. A submission that breaks the grader
itself is recorded with 0 and a problem, logged, and makes the exit status non-zero: nothing
is lost and the batch goes on.
"""
from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.util
import os
import resource
import secrets
import signal
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import Assignment, Course
from .feedback import path_part, write_atomic
from .notebook import MAX_NOTEBOOK_BYTES
from .pipeline import AssignmentGrader
from .submissions import MAX_TIMESTAMP_BYTES, Submission, UnreadableFile, find_submissions, read_regular
from .results import SubmissionResult
from .sandbox import Sandbox, SandboxError
from . import store

SANDBOX_STARTS = 3              # a sandbox start that fails is tried again before giving up
TRUSTED_MEMORY_MB = 4096        # the worker itself: the trusted side reads hostile files too


class _TrustedOvertime(Exception):
    """The trusted side spent longer on one submission than any honest one needs."""


class Worker:
    """What one grading worker keeps: the trusted grader and a sandbox of its own, started
    whenever it is missing, so a failed start costs a retry, not the batch. The local pool's
    forked workers, Dask's workers and Gradescope's run_autograder each keep one."""

    def __init__(self, grader: AssignmentGrader, isolation: str, allow_unconfined: bool, root: Path):
        self.grader, self.isolation, self.allow_unconfined, self.root = grader, isolation, allow_unconfined, root
        self.sandbox: Sandbox | None = None

    def ready_sandbox(self) -> Sandbox:
        """The sandbox, started now (with a few tries) if there is none; GraderFailure if it cannot."""
        if self.sandbox is None:
            failure = ""
            for _ in range(SANDBOX_STARTS):
                try:
                    self.sandbox = self.grader.sandbox(self.isolation, self.allow_unconfined)
                    break
                except SandboxError as error:
                    failure = str(error)
            else:
                raise GraderFailure(f"the sandbox cannot start: {failure}")
            multiprocessing.util.Finalize(self.sandbox, self.sandbox.close, exitpriority=10)
        return self.sandbox

    def drop_sandbox(self) -> None:
        sandbox, self.sandbox = self.sandbox, None
        if sandbox is not None:
            sandbox.close()


_worker: Worker | None = None


def _start_worker(grader: AssignmentGrader, isolation: str, allow_unconfined: bool, submissions_dir: Path) -> None:
    """Each forked worker reuses the parent's trusted grader and starts its sandbox now, while
    the parent imports; one that fails to start is started again by the first task."""
    global _worker
    memory = TRUSTED_MEMORY_MB * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _worker = Worker(grader, isolation, allow_unconfined, submissions_dir)
    try:
        _worker.ready_sandbox()
    except GraderFailure:
        pass
    gc.freeze()  # the grader, reference and imports stay: cyclic collections need not scan them (5 ms a submission)


def _overtime(signum, frame):
    raise _TrustedOvertime


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """_TrustedOvertime in this (main) thread after ``seconds``."""
    previous = signal.signal(signal.SIGALRM, _overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade_one(worker: Worker, submission: Submission,
              deadline: Callable[[float], AbstractContextManager] = alarm) -> tuple[dict, str | None]:
    """One submission within a deadline of its own: the sandbox bounds the student's code,
    ``deadline`` bounds everything else (reading, checking) so no submission can hold a worker.
    A sandbox that breaks down is replaced, and the submission graded once more in the new one.
    Returns the plain result record and the sandbox's warning, if any."""
    grader = worker.grader
    for attempt in range(2):
        sandbox = worker.ready_sandbox()
        try:
            with deadline(2 * grader.limits.submission_seconds + 30):
                result = grader.grade(submission, sandbox, worker.root)
            break
        except SandboxError:
            worker.drop_sandbox()
            if attempt:
                raise
        except (_TrustedOvertime, MemoryError) as error:
            reason = ("grading this submission took longer than any honest one needs and was stopped"
                      if isinstance(error, _TrustedOvertime) else "reading this submission needed too much memory")
            result = SubmissionResult(submission.student_id, grader.assignment.id, "", grader.zero(reason),
                                      [reason], isolation=sandbox.isolation)
            break
    return result.to_dict(), sandbox.warning


def _grade_in_worker(submission: Submission) -> tuple[dict, str | None]:
    return grade_one(_worker, submission)


class GraderFailure(RuntimeError):
    """The grader itself cannot run (e.g. no usable sandbox); nothing more is recorded."""


class NoSubmissions(GraderFailure):
    """The folder holds nothing of this assignment; the message says what was expected and found."""


@dataclass
class BatchOutcome:
    results: list[SubmissionResult] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    warning: str | None = None
    report: Path | None = None


def grade_all(course: Course, assignment: Assignment, submissions_dir: Path, gradebook_path: Path,
              feedback_dir: Path, reports_dir: Path, workers: int, isolation: str = "auto",
              console: Console | None = None, students: list[str] | None = None,
              allow_unconfined: bool = False, client=None) -> BatchOutcome:
    """Grade every submission of ``assignment`` (or only ``students``'); record, feed back, report.
    Student code runs unconfined (isolation "none") only with ``allow_unconfined``. With a Dask
    ``client`` the submissions are graded on its cluster (cluster.py), else by ``workers`` local
    processes; either way results are recorded here alone."""
    console = console or Console(stderr=True)
    outcome = BatchOutcome()
    submissions = find_submissions(submissions_dir, assignment)
    if students:
        missing = sorted(set(students) - {s.student_id for s in submissions})
        if missing:
            raise NoSubmissions(f"no submission of {assignment.id} from {', '.join(missing)} in {submissions_dir}")
        submissions = [s for s in submissions if s.student_id in students]
    if not submissions:
        raise NoSubmissions(describe_layout(submissions_dir, assignment))
    trusted = AssignmentGrader(course, assignment)   # loads the reference once, before forking
    cells = [(cell.grade_id, cell.points) for cell in trusted.cells]
    if client is None:
        pool = _local_pool(trusted, submissions, workers, isolation, allow_unconfined, submissions_dir)
    else:
        from .cluster import dask_pool
        pool = dask_pool(client, trusted, submissions, isolation, allow_unconfined)
    # Workers start grading as the pool opens; the slow imports and the gradebook come after, meanwhile.
    with pool as completed, _progress(console) as progress:
        task = progress.add_task(f"grading {assignment.id}", total=len(submissions))
        from . import autograded, feedback, gradebook, nbgrader_course, report

        # The gradebook as `nbgrader generate_assignment` leaves it, so nbgrader's own tools work.
        shape = nbgrader_course.template(assignment)
        refused = gradebook.prepare(gradebook_path, course.course_id, assignment, shape)
        if refused:
            progress.console.print(f"[bold yellow]WARNING:[/] {refused}")
        solutions = autograded.solution_cells(shape, {name: g.target for name, g in trusted.graders.items()})
        restored_from = autograded.plain(shape)
        gc.freeze()  # what was imported stays, and collections need not scan it

        def graded() -> Iterator[SubmissionResult]:
            for submission, result_of in completed:
                try:
                    record, warning = result_of()
                    result = SubmissionResult.from_dict(record)
                except GraderFailure:
                    raise
                except BrokenProcessPool as error:
                    raise GraderFailure("a grading worker could not start or died; see the messages "
                                        "above (every submission graded so far is recorded)") from error
                except Exception as error:  # noqa: BLE001 - our failure, not the student's
                    outcome.internal_errors.append(f"{submission.student_id}: {error!r}")
                    console.print(f"[red]internal error grading {submission.student_id}:[/]\n"
                                  + "".join(traceback.format_exception(error)))
                    result = SubmissionResult(submission.student_id, assignment.id, "",
                                              trusted.zero("the grader failed on this submission; "
                                                           "your instructor has been told"),
                                              ["the grader failed on this submission"])
                    warning = outcome.warning
                if warning and not outcome.warning:
                    outcome.warning = warning
                    progress.console.print(f"[bold yellow]WARNING:[/] {warning}")
                try:
                    page = feedback.write_feedback(result, feedback_dir, assignment.title,
                                                   Path(assignment.notebook).stem)
                    _keep_for_release(submission, page.parent)
                    _keep_for_formgrader(submission, result, restored_from, gradebook_path.parent / "autograded",
                                         assignment)
                except ValueError as error:  # a student folder name that is unsafe as a path
                    console.print(f"[yellow]no feedback page for {submission.student_id!r}: {error}[/]")
                store.save(result, reports_dir)
                outcome.results.append(result)
                progress.advance(task)
                yield result

        gradebook.record(gradebook_path, course.course_id, assignment.id, Path(assignment.notebook).stem,
                         cells, graded(), duedate=assignment.due,
                         comments=lambda result: autograded.solution_comments(result, solutions))
    outcome.results.sort(key=lambda r: r.student_id)
    outcome.report = report.write_class_report(store.load_all(reports_dir, assignment.id), reports_dir, assignment)
    return outcome


@contextmanager
def _local_pool(trusted: AssignmentGrader, submissions: list[Submission], workers: int, isolation: str,
                allow_unconfined: bool, root: Path) -> Iterator[Iterator[tuple[Submission, Callable]]]:
    """Workers forked from this process, each with the trusted grader and a pre-warmed sandbox;
    yields (submission, its outcome) as they complete."""
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(submissions))),
                             mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
                             initargs=(trusted, isolation, allow_unconfined, root)) as pool:
        futures = {pool.submit(_grade_in_worker, submission): submission for submission in submissions}
        yield ((futures[future], future.result) for future in as_completed(futures))


def describe_layout(submissions_dir: Path, assignment: Assignment) -> str:
    """Why nothing was found: the layout expected, and what the folder holds instead."""
    expected = f"{submissions_dir}/<student>/{assignment.id}/{assignment.notebook}"
    flat = sorted(p.name for p in submissions_dir.glob("*.ipynb"))
    folders = sorted(p.name for p in submissions_dir.iterdir() if p.is_dir())
    if flat:
        found = f"{len(flat)} notebook(s) directly in it (e.g. {flat[0]}): a flat folder"
    elif folders:
        inside = sorted({q.name for p in submissions_dir.iterdir() if p.is_dir() for q in p.iterdir() if q.is_dir()})
        found = (f"{len(folders)} folder(s) (e.g. {folders[0]}) whose subfolders are "
                 f"{', '.join(inside[:5]) or 'none'}, not {assignment.id}")
    else:
        found = "nothing"
    return (f"no submission of {assignment.id} in {submissions_dir}: expected nbgrader's submitted layout "
            f"{expected}, found {found}")


def _submitted_bytes(submission: Submission, path: Path | None, limit: int) -> bytes | None:
    """A file of the submission, read as the worker read it (a regular file below the
    submissions folder, size-bounded, no link followed), or None when it fails those checks."""
    if path is None:
        return None
    try:
        return read_regular(path, submission.root, limit)
    except UnreadableFile:
        return None


def _keep_for_formgrader(submission: Submission, result: SubmissionResult, template: dict, autograded: Path,
                         assignment: Assignment) -> None:
    """nbgrader's layout, autograded/<student>/<assignment>/<notebook>, beside the gradebook:
    formgrader opens the graded notebook from there (scores come from the gradebook). It is the
    submission as nbgrader's autograde leaves it, with each grade cell showing its checks and
    hints; a file that is not a notebook becomes the blank assignment with the problem on top."""
    from .autograded import autograded_notebook

    data = _submitted_bytes(submission, submission.notebook, MAX_NOTEBOOK_BYTES)
    folder = autograded / path_part(submission.student_id) / assignment.id
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / assignment.notebook, autograded_notebook(template, data, result))
    _keep_for_release(submission, folder, made_up=False)


#: What nbgrader's collect puts beside a notebook and its release_feedback reads beside a page.
RELEASE_FILES = ("timestamp.txt", "submission_secret.txt")


def _keep_for_release(submission: Submission, folder: Path, made_up: bool = True) -> None:
    """timestamp.txt and submission_secret.txt beside the feedback page (and the autograded
    notebook), as nbgrader's autograde and generate_feedback leave them: `nbgrader
    release_feedback` names the released page by the secret, which `nbgrader fetch_feedback`
    finds from the student's own copy. A submission that did not come through nbgrader's
    exchange has neither: its feedback (``made_up``) gets the time it was graded and a secret
    of its own, kept across regrades, so releasing works for the whole class; only the
    instructor can hand such a page on."""
    for name in RELEASE_FILES:
        data = _submitted_bytes(submission, submission.folder / name, MAX_TIMESTAMP_BYTES)
        if data is None and (not made_up or (folder / name).is_file()):
            continue
        if data is None:
            data = (secrets.token_hex(64) if name == "submission_secret.txt"
                    else f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S.%f} UTC").encode()
        write_atomic(folder / name, data)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False,
                    disable=not console.is_terminal and not os.environ.get("AUTOGRADER_PROGRESS"))
