"""`make bench`: speed and memory of `autograder grade` against stock `nbgrader autograde`, on this machine.

One run, in a scratch copy of the course:

1. `nbgrader generate_assignment`, then K honest submissions (answered reference, stubs, mutants
   from tests/mutants) in nbgrader's submitted layout;
2. stock `nbgrader autograde` on 1 of them, then on all K (one CLI call each): per-submission
   wall, the marginal cost of one more submission, (all K - the 1) / (K - 1), and the start-up
   cost, the 1 minus that marginal (an estimate: it takes the 1 to cost what the others do on
   average, hence a mutant, the last of the K by default, rather than the slow reference or
   the fast stubs);
3. `autograder grade` (the real CLI) on the same K, end to end, and the totals of both compared
   per student;
4. steady state: N submissions graded through the Python API (`autograder.batch.grade_all`, the
   code the CLI runs, without interpreter start-up): throughput, wall per submission, the
   distribution of each submission's own grading time, and peak memory of the process tree.

Only mutants that both paths must score alike go into the K: a grade cell whose visible public
check fails gets 0 from stock nbgrader, while `autograder grade` keeps the hidden cases' partial
credit (see tests/test_nbgrader_compat.py). The table is printed and written as JSON to
benchmarks/results/latest.json.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbgrader
from rich.console import Console
from rich.table import Table

from autograder import COURSE_ROOT
from autograder.batch import grade_all
from autograder.config import Assignment, load_course
from autograder.gradebook import scores
from autograder.samples import answered_release, write_submission

sys.path.insert(0, str(COURSE_ROOT / "tests"))  # the mutant catalogue and the CLI environment live there
from helpers import VENV_BIN, environment  # noqa: E402
from mutants.shallow_network import MUTANTS  # noqa: E402

ASSIGNMENT = "shallow_network"
RESULTS = COURSE_ROOT / "benchmarks" / "results" / "latest.json"
#: Mutants scored alike by both paths (their failing public checks cost nothing the hidden cases
#: would have given), cycled to fill the small batch after the reference and the stubs.
AGREEING = ("init_uniform", "forward_tanh", "init_random_biases", "cost_mse", "n_h_4", "update_weights_only")
TOLERANCE = 0.01

console = Console(width=None if sys.stdout.isatty() else 120)


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc in a thread.

    Summed RSS counts a page shared after fork once per process that maps it (an upper bound);
    summed PSS splits shared pages among their sharers, so it is the tree's real footprint.
    A child living shorter than the sampling interval can be missed.
    """

    def __init__(self, root: int, interval: float = 0.1):
        self.root, self.interval = root, interval
        self.peak_rss_mb = self.peak_pss_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                return

    def _sample(self) -> None:
        rss = pss = 0
        tree = _descendants(self.root)
        for pid in tree:
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                    fields = dict(line.split(":", 1) for line in rollup.read().splitlines()[1:])  # 1st: range
            except OSError:  # ended meanwhile
                continue
            if "Rss" not in fields:  # a zombie, not reaped yet, maps nothing
                continue
            rss += int(fields["Rss"].split()[0])
            pss += int(fields["Pss"].split()[0])
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 1024)
        self.peak_pss_mb = max(self.peak_pss_mb, pss / 1024)
        self.peak_processes = max(self.peak_processes, len(tree))


def _descendants(root: int) -> list[int]:
    """root and every process below it, from the parent pid in each /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])  # the name may hold ')'
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float


def timed(*command: str, cwd: Path) -> Run:
    """Run a CLI of this venv to completion; its wall time and the peak memory of its tree."""
    started = time.perf_counter()
    with subprocess.Popen([str(VENV_BIN / command[0]), *command[1:]], cwd=cwd, env=environment(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process, \
            TreeMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode:
        console.print(f"[bold red]{' '.join(command[:2])} failed ({process.returncode}):[/]\n"
                      f"{stdout[-3000:]}{stderr[-3000:]}")
        sys.exit(1)
    return Run(seconds, memory.peak_rss_mb, memory.peak_pss_mb)


def build_course(root: Path) -> None:
    """The course's nbgrader files and source notebooks, and their release from real nbgrader."""
    root.mkdir(parents=True)
    for name in ("nbgrader_config.py", "course.yaml"):
        shutil.copy(COURSE_ROOT / name, root / name)
    shutil.copytree(COURSE_ROOT / "solutions", root / "solutions")
    timed("nbgrader", "generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR", cwd=root)


def variants(assignment: Assignment, root: Path, mutant_ids: list[str]) -> dict[str, str]:
    """Notebook text per variant name, serialised once and written many times."""
    release = (root / "assignments" / assignment.id / assignment.notebook).read_text(encoding="utf-8")
    by_id = {m.id: m for m in MUTANTS}
    notebooks = {"reference": answered_release(assignment, root=root)}
    notebooks.update({i: answered_release(assignment, {by_id[i].exercise: by_id[i].code}, root=root)
                      for i in mutant_ids})
    return {"stubs": release, **{name: json.dumps(nb, indent=1) for name, nb in notebooks.items()}}


def write_class(submitted: Path, assignment: Assignment, texts: dict[str, str], names: list[str]) -> list[str]:
    """submitted/<nnnn_variant>/<assignment>/<notebook> for each name; the student ids."""
    width = len(str(len(names)))
    students = [f"{i:0{width}d}_{name}" for i, name in enumerate(names, 1)]
    for student, name in zip(students, names):
        write_submission(submitted / student / assignment.id, assignment.notebook, texts[name])
    return students


def small_batch(args, course, assignment, scratch: Path) -> dict:
    """Stock nbgrader and `autograder grade`, each on the same K submissions, end to end."""
    root = scratch / "course"
    with console.status("building the course with nbgrader generate_assignment"):
        build_course(root)
    texts = variants(assignment, root, list(AGREEING))
    names = list(itertools.islice(itertools.cycle(["reference", "stubs", *AGREEING]), args.k))
    students = write_class(root / "submitted", assignment, texts, names)
    console.print(f"small batch: {args.k} submissions ({', '.join(names)}) in {root / 'submitted'}")
    out: dict = {"k": args.k, "students": students}

    if not args.skip_nbgrader:
        autograde = ("nbgrader", "autograde", assignment.id, "--create", "--force", "--log-level=ERROR")
        with console.status(f"nbgrader autograde on 1 submission ({students[-1]})"):
            one = timed(*autograde, f"--student={students[-1]}", cwd=root)
        with console.status(f"nbgrader autograde on {args.k} submissions"):
            every = timed(*autograde, cwd=root)
        marginal = (every.seconds - one.seconds) / (args.k - 1)
        out["nbgrader"] = {"one_submission_s": one.seconds, "k_submissions_s": every.seconds,
                           "per_submission_s": every.seconds / args.k, "marginal_per_submission_s": marginal,
                           "startup_s": one.seconds - marginal, "peak_rss_mb": every.peak_rss_mb,
                           "peak_pss_mb": every.peak_pss_mb,
                           "totals": scores(root / "gradebook.db", course.course_id, assignment.id)}
        console.print(f"nbgrader autograde: {every.seconds:.1f} s for {args.k}, {one.seconds:.1f} s for 1")

    ours_dir = scratch / "ours_small"
    with console.status(f"autograder grade on {args.k} submissions"):
        ours = timed("autograder", "grade", assignment.id, "--submissions", str(root / "submitted"),
                     "--gradebook", str(ours_dir / "gradebook.db"), "--feedback", str(ours_dir / "feedback"),
                     "--reports", str(ours_dir / "reports"), "--workers", str(args.workers), cwd=root)
    out["ours"] = {"k_submissions_s": ours.seconds, "per_submission_s": ours.seconds / args.k,
                   "peak_rss_mb": ours.peak_rss_mb, "peak_pss_mb": ours.peak_pss_mb,
                   "totals": scores(ours_dir / "gradebook.db", course.course_id, assignment.id)}
    console.print(f"autograder grade: {ours.seconds:.1f} s for {args.k}")

    if "nbgrader" in out:
        theirs, mine = out["nbgrader"]["totals"], out["ours"]["totals"]
        out["mismatches"] = {s: {"nbgrader": theirs.get(s), "ours": mine.get(s)} for s in students
                             if s not in theirs or s not in mine or abs(theirs[s] - mine[s]) > TOLERANCE}
        for student, pair in out["mismatches"].items():
            console.print(f"[bold red]MISMATCH {student}: nbgrader {pair['nbgrader']} != ours {pair['ours']}[/]")
        if not out["mismatches"]:
            console.print(f"[green]same total for every student[/] ({', '.join(f'{s} {mine[s]:g}' for s in students)})")
    return out


def steady_state(args, course, assignment, scratch: Path) -> dict:
    """N submissions through grade_all in this process; the memory is of this process and its tree."""
    folder = scratch / "steady"
    mutant_ids = [m.id for m in MUTANTS]
    texts = variants(assignment, scratch / "course", mutant_ids)
    names = ["reference" if i % 2 == 0 else mutant_ids[i // 2 % len(mutant_ids)] for i in range(args.n)]
    expected_full_marks = names.count("reference")  # no mutant keeps full marks (tests/test_mutants.py)
    with console.status(f"writing {args.n} synthetic submissions"):
        write_class(folder / "submitted", assignment, texts, names)
    console.print(f"steady state: {args.n} submissions (half the reference, half the {len(mutant_ids)} mutants "
                  f"in turn), {args.workers} workers, Python API")
    with TreeMemory(os.getpid()) as memory:
        started = time.perf_counter()
        outcome = grade_all(course, assignment, folder / "submitted", folder / "gradebook.db", folder / "feedback",
                            folder / "reports", args.workers, console=Console(stderr=True))
        wall = time.perf_counter() - started
    if outcome.internal_errors:
        console.print(f"[bold red]{len(outcome.internal_errors)} INTERNAL ERRORS[/]: {outcome.internal_errors[:5]}")
    full_marks = sum(result.score == assignment.total_points for result in outcome.results)
    if full_marks != expected_full_marks:
        console.print(f"[bold red]WRONG SCORES: {full_marks} full marks, expected {expected_full_marks}[/]")
    own = sorted(result.seconds for result in outcome.results)
    return {"n": args.n, "wall_s": wall, "throughput_per_s": args.n / wall, "per_submission_ms": 1000 * wall / args.n,
            "grading_median_ms": 1000 * statistics.median(own),
            "grading_p95_ms": 1000 * statistics.quantiles(own, n=20)[18] if len(own) > 1 else 1000 * own[0],
            "grading_max_ms": 1000 * own[-1], "peak_rss_mb": memory.peak_rss_mb, "peak_pss_mb": memory.peak_pss_mb,
            "peak_processes": memory.peak_processes, "internal_errors": len(outcome.internal_errors),
            "isolation": outcome.results[0].isolation, "full_marks": full_marks,
            "expected_full_marks": expected_full_marks}


def speedups(small: dict, steady: dict) -> dict:
    """Small batch: both CLIs end to end on the same K. Steady state: nbgrader's marginal cost of one
    more submission (its start-up excluded) against ours per submission over N."""
    nb = small.get("nbgrader")
    if not nb:
        return {}
    return {"small_batch": nb["per_submission_s"] / small["ours"]["per_submission_s"],
            "steady_state": nb["marginal_per_submission_s"] * 1000 / steady["per_submission_ms"]}


def table(small: dict, steady: dict, speedup: dict, workers: int) -> Table:
    rows = Table(title=f"grading {ASSIGNMENT}: stock nbgrader vs autograder grade ({workers} workers, "
                       f"{steady['isolation']} isolation)")
    for column in ("measure", "value", "how"):
        rows.add_column(column, justify="right" if column == "value" else "left")
    k = small["k"]
    nb, ours = small.get("nbgrader"), small["ours"]
    if nb:
        rows.add_row("nbgrader, per submission", f"{nb['per_submission_s']:.2f} s", f"autograde on {k}, total / {k}")
        rows.add_row("nbgrader, start-up", f"{nb['startup_s']:.2f} s", "1 submission minus the marginal one")
        rows.add_row("nbgrader, marginal per submission", f"{nb['marginal_per_submission_s']:.2f} s",
                     f"(all {k} - the 1) / {k - 1}")
        rows.add_row("nbgrader, peak memory", f"{nb['peak_pss_mb']:.0f} MB", f"PSS of its tree (RSS {nb['peak_rss_mb']:.0f} MB)")
    rows.add_row("ours, per submission (small batch)", f"{ours['per_submission_s']:.2f} s",
                 f"CLI on {k} incl. start-up, total / {k}")
    rows.add_row("ours, per submission (steady state)", f"{steady['per_submission_ms']:.1f} ms",
                 f"grade_all on {steady['n']}, wall / {steady['n']}")
    rows.add_row("ours, grading time per submission", f"{steady['grading_median_ms']:.0f} / {steady['grading_p95_ms']:.0f} ms",
                 "median / p95 of SubmissionResult.seconds")
    rows.add_row("ours, throughput", f"{steady['throughput_per_s']:.1f} /s", "steady state")
    rows.add_row("ours, peak memory", f"{steady['peak_pss_mb']:.0f} MB",
                 f"PSS of the tree, {steady['peak_processes']} processes (RSS {steady['peak_rss_mb']:.0f} MB)")
    if speedup:
        rows.add_row("speed-up, small batch", f"{speedup['small_batch']:.1f}x", "both CLIs end to end on the same K")
        rows.add_row("speed-up, steady state", f"{speedup['steady_state']:.0f}x", "nbgrader marginal vs ours steady state")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--k", type=int, default=6, help="submissions in the small batch graded by both (at least 2)")
    parser.add_argument("--n", type=int, default=1000, help="submissions in the steady-state run")
    parser.add_argument("--workers", type=int, default=2, help="workers of autograder grade")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print its path")
    parser.add_argument("--skip-nbgrader", action="store_true", help="do not time stock nbgrader autograde")
    args = parser.parse_args(argv)
    if args.k < 2 or args.n < 1 or args.workers < 1:
        parser.error("need --k >= 2, --n >= 1 and --workers >= 1")

    course = load_course()
    assignment = course.assignment(ASSIGNMENT)
    scratch = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        small = small_batch(args, course, assignment, scratch)
        steady = steady_state(args, course, assignment, scratch)
    finally:
        if args.keep:
            console.print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    speedup = speedups(small, steady)
    console.print(table(small, steady, speedup, args.workers))

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "nbgrader": nbgrader.__version__},
        "workers": args.workers, "small_batch": small, "steady_state": steady, "speedup": speedup,
        "memory_note": "peak over /proc samples every 0.1 s of the process tree: PSS and RSS summed over processes",
    }, indent=2), encoding="utf-8")
    console.print(f"written to {RESULTS.relative_to(COURSE_ROOT)}")
    return 1 if small.get("mismatches") or steady["internal_errors"] \
        or steady["full_marks"] != steady["expected_full_marks"] else 0


if __name__ == "__main__":
    sys.exit(main())
