"""`make bench-cluster`: grading on Dask against the local pool, on this machine.

The same N synthetic submissions (half the reference, half the shallow_network mutants in turn)
are graded through `autograder.batch.grade_all`, the code `autograder grade` runs:

1. by the local pool with W forked workers;
2. on a Dask LocalCluster of W worker processes with one thread each (the same cores), already
   running: the batch includes the worker plugin's set-up (grader and sandbox per worker), as
   the local run includes forking its workers and starting their sandboxes;
3. on a Dask LocalCluster of 1 worker, for how throughput grows from 1 worker to W.

Reported: wall time and throughput of each, Dask's overhead per submission against the local
pool (the difference of the walls over N), the cluster's own start-up, and the speed-up from 1
to W Dask workers. Printed, and written as JSON to benchmarks/results/cluster.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from distributed import Client, LocalCluster
from rich.console import Console
from rich.table import Table

from autograder import COURSE_ROOT
from autograder.batch import grade_all
from autograder.config import load_course

sys.path.insert(0, str(COURSE_ROOT / "benchmarks"))
from bench_grading import ASSIGNMENT, MUTANTS, variants, write_class  # noqa: E402

RESULTS = COURSE_ROOT / "benchmarks" / "results" / "cluster.json"
console = Console(width=None if sys.stdout.isatty() else 120)


def batch(course, assignment, submitted: Path, out: Path, workers: int, client=None) -> dict:
    started = time.perf_counter()
    outcome = grade_all(course, assignment, submitted, out / "gradebook.db", out / "feedback", out / "reports",
                        workers, console=Console(stderr=True), client=client)
    wall = time.perf_counter() - started
    n = len(outcome.results)
    return {"n": n, "wall_s": wall, "throughput_per_s": n / wall, "per_submission_ms": 1000 * wall / n,
            "internal_errors": len(outcome.internal_errors), "isolation": outcome.results[0].isolation,
            "full_marks": sum(r.score == assignment.total_points for r in outcome.results)}


def on_dask(course, assignment, submitted: Path, out: Path, workers: int) -> dict:
    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        start_up = time.perf_counter() - started
        result = batch(course, assignment, submitted, out, workers, client)
    return {**result, "cluster_start_s": start_up}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="submissions per run (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="local workers and Dask workers (default: %(default)s)")
    args = parser.parse_args(argv)
    course = load_course()
    assignment = course.assignment(ASSIGNMENT)
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch_name:
        scratch = Path(scratch_name)
        mutant_ids = [m.id for m in MUTANTS]
        texts = variants(assignment, COURSE_ROOT, mutant_ids)
        names = ["reference" if i % 2 == 0 else mutant_ids[i // 2 % len(mutant_ids)] for i in range(args.n)]
        write_class(scratch / "submitted", assignment, texts, names)
        console.print(f"{args.n} submissions of {ASSIGNMENT}; local pool of {args.workers}, Dask with "
                      f"{args.workers} and with 1 worker (one thread each)")
        runs = {"local": batch(course, assignment, scratch / "submitted", scratch / "local", args.workers)}
        console.print(f"local pool: {runs['local']['wall_s']:.1f} s")
        runs["dask"] = on_dask(course, assignment, scratch / "submitted", scratch / "dask", args.workers)
        console.print(f"Dask, {args.workers} workers: {runs['dask']['wall_s']:.1f} s")
        runs["dask_1"] = on_dask(course, assignment, scratch / "submitted", scratch / "dask_1", 1)
        console.print(f"Dask, 1 worker: {runs['dask_1']['wall_s']:.1f} s")
    expected = names.count("reference")
    overhead_ms = 1000 * (runs["dask"]["wall_s"] - runs["local"]["wall_s"]) / args.n
    growth = runs["dask"]["throughput_per_s"] / runs["dask_1"]["throughput_per_s"]
    table = Table(title=f"Dask against the local pool ({args.n} submissions, {runs['local']['isolation']} isolation)",
                  title_justify="left")
    for column in ("run", "wall", "per submission", "throughput", "cluster start"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for label, key in ((f"local pool, {args.workers} workers", "local"), (f"Dask, {args.workers} workers", "dask"),
                       ("Dask, 1 worker", "dask_1")):
        run = runs[key]
        table.add_row(label, f"{run['wall_s']:.1f} s", f"{run['per_submission_ms']:.1f} ms",
                      f"{run['throughput_per_s']:.1f} /s", f"{run['cluster_start_s']:.1f} s" if "cluster_start_s" in run else "")
    console.print(table)
    console.print(f"Dask's overhead per submission against the local pool: {overhead_ms:+.1f} ms; "
                  f"1 -> {args.workers} Dask workers: {growth:.2f}x throughput")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": datetime.now(timezone.utc).isoformat(), "machine": platform.platform(),
                                   "n": args.n, "workers": args.workers, "runs": runs,
                                   "dask_overhead_per_submission_ms": overhead_ms, "growth_1_to_n": growth},
                                  indent=1))
    wrong = [key for key, run in runs.items() if run["internal_errors"] or run["full_marks"] != expected]
    if wrong:
        console.print(f"[bold red]wrong scores or internal errors in {', '.join(wrong)}[/]")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
