"""The instructor's command line: `autograder grade | release | check | demo`."""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console, Group

from . import COURSE_ROOT
from .config import Assignment, ConfigError, Course, load_course
from .reference import grade_cells, load_reference
from .sandbox.host import ISOLATIONS

# Piped output (make demo in CI, logs) gets a width that fits the score table.
console = Console(width=None if sys.stdout.isatty() else 150)
errors = Console(stderr=True, soft_wrap=not sys.stderr.isatty())  # piped: one line per message


def _chosen(args, course: Course, submissions: Path | None = None) -> list[Assignment]:
    """The assignment named on the command line, or with --all every assignment of course.yaml
    (for grading: every one that has a submission folder)."""
    if not args.all:
        return [course.assignment(args.assignment)]
    if submissions is None:
        return list(course.assignments)
    return [a for a in course.assignments if any(p.is_dir() for p in submissions.glob(f"*/{a.id}"))]


def _grade(args) -> int:
    from .batch import GraderFailure

    course = load_course(args.course)
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        errors.print(f"[red]no submissions folder {submissions}[/] (expected {submissions}/<student>/"
                     "<assignment>/<notebook>.ipynb, nbgrader's submitted layout)")
        return 2
    chosen = _chosen(args, course, submissions)
    if not chosen:
        errors.print(f"[red]{submissions} holds no <student>/<assignment>/ folder of any assignment in "
                     f"course.yaml ({', '.join(a.id for a in course.assignments)})[/]")
        return 2
    where = args.scheduler or args.cluster
    refusal = None if where else _isolation_refusal(args.isolation, args.allow_unconfined)  # a cluster's workers check their own
    if refusal:
        errors.print(f"[red]{refusal}[/]")
        return 2
    if not where:
        return _grade_each(args, course, chosen, submissions)
    from .cluster import connect
    try:
        with connect(where) as client:
            return _grade_each(args, course, chosen, submissions, client)
    except GraderFailure as failure:
        errors.print(f"[red]{failure}[/]")
        return 1


def _grade_each(args, course: Course, chosen: list[Assignment], submissions: Path, client=None) -> int:
    """Grade the chosen assignments one after the other (on ``client``'s Dask cluster if given)."""
    from .batch import GraderFailure, NoSubmissions, grade_all
    from .course_report import write_course_report
    from .report import isolation_summary, summary_table

    status = 0
    for assignment in chosen:
        started = time.perf_counter()
        try:
            outcome = grade_all(course, assignment, submissions, Path(args.gradebook), Path(args.feedback),
                                Path(args.reports), args.workers, args.isolation, errors, args.student,
                                args.allow_unconfined, client)
        except NoSubmissions as nothing:
            if args.all:
                console.print(f"{assignment.id}: {nothing}")
                continue
            errors.print(f"[red]{nothing}[/]")
            return 2
        except GraderFailure as failure:
            errors.print(f"[red]grading stopped at {assignment.id}: {failure}[/]")
            return 1
        seconds = time.perf_counter() - started
        console.print(summary_table(outcome.results, assignment))
        count = len(outcome.results)
        where = (f"on the Dask cluster {args.scheduler or args.cluster}" if client else
                 f"with {args.workers} worker{'s' * (args.workers != 1)}")
        console.print(f"graded {count} submission{'s' * (count != 1)} of {assignment.id} in {seconds:.1f} s {where} "
                      f"({isolation_summary(outcome.results)} isolation); "
                      f"gradebook: {args.gradebook}, feedback: {args.feedback}/, report: {outcome.report}")
        if outcome.internal_errors:
            errors.print(f"[red]{len(outcome.internal_errors)} submission(s) of {assignment.id} hit an internal "
                         "grader error (recorded with 0 points; see the messages above)[/]")
            status = 1
    page = write_course_report(course, Path(args.gradebook), Path(args.reports))
    console.print(f"course report: {page} (every assignment in the gradebook), scores: {page.parent / 'scores.csv'}")
    return status


def _isolation_refusal(isolation: str, allow_unconfined: bool) -> str | None:
    """Why grading cannot start with this isolation, found before any worker starts: a named
    confinement this machine lacks, or no confinement at all without --allow-unconfined."""
    from .sandbox.host import CONFINING, REMEDIES, no_confinement, unavailable

    if isolation in CONFINING and unavailable(isolation):
        return f"--isolation {isolation}: {unavailable(isolation)}; {REMEDIES[isolation].removeprefix('or ')}, or use --isolation auto"
    if isolation == "none" and not allow_unconfined:
        return ("--isolation none lets student code read every file you can (solutions, graders, gradebook, "
                "other students' work): pass --allow-unconfined as well to grade like that")
    reasons = {name: unavailable(name) for name in CONFINING}
    if isolation == "auto" and all(reasons.values()) and not allow_unconfined:
        return no_confinement(reasons)
    return None


def _show(args) -> int:
    """One student's result of one assignment, as their feedback page has it, for office hours."""
    from . import store

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    result = store.load(Path(args.reports), assignment.id, args.student)
    if result is None:
        graded = [r.student_id for r in store.load_all(Path(args.reports), assignment.id)]
        errors.print(f"[red]no graded submission of {assignment.id} from {args.student!r} in {args.reports}/[/]"
                     + (f" (graded: {', '.join(graded[:20])}{' …' if len(graded) > 20 else ''})" if graded else
                        f" (run `autograder grade {assignment.id}` first)"))
        return 2
    console.print(show_result(result, assignment))
    return 0


def show_result(result, assignment: Assignment) -> Group:
    """Rich renderable of one result: points per exercise, then each failed check with its hint."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from .feedback import format_points

    final = result.score - result.late_penalty
    head = Text.assemble((f"{result.student_id}", "bold"), f" · {assignment.id} · ",
                         (f"{format_points(final)} / {format_points(result.max_score)}", "bold"),
                         f" (late penalty {format_points(result.late_penalty)})" if result.late_penalty else "",
                         f" · graded {result.notebook} with {result.isolation or 'unknown'} isolation")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("exercise", "points", "failed check", "hint"):
        table.add_column(column, justify="right" if column == "points" else "left",
                         overflow="fold", no_wrap=column == "exercise")
    for exercise in result.exercises:
        failed = [case for case in exercise.cases if not case.passed]
        style = "green" if not failed else ("yellow" if exercise.points else "red")
        points = Text(f"{format_points(exercise.points)} / {format_points(exercise.max_points)}", style=style)
        table.add_row(exercise.name, points, *(("", "all checks passed") if not failed else
                                               (failed[0].description, failed[0].hint)))
        for case in failed[1:]:
            table.add_row("", "", case.description, case.hint)
    problems = [Text(f"problem: {problem}", style="yellow") for problem in result.problems]
    return Group(head, table, *problems)


def _similarity(args) -> int:
    """Pairs of submissions whose code for one exercise is alike, most similar first."""
    from rich.table import Table

    from .batch import describe_layout
    from .similarity import similar_pairs, write_similarity_report
    from .submissions import find_submissions

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    submissions = Path(args.submissions)
    found = find_submissions(submissions, assignment) if submissions.is_dir() else []
    if not found:
        errors.print(f"[red]{describe_layout(submissions, assignment) if submissions.is_dir() else f'no submissions folder {submissions}'}[/]")
        return 2
    similar = similar_pairs(assignment, found, common=args.common)
    page = write_similarity_report(similar, Path(args.reports), top=args.top)
    table = Table(title=f"Most similar pairs of {assignment.id}", title_justify="left")
    for column in ("exercise", "similarity", "student", "student"):
        table.add_column(column, justify="right" if column == "similarity" else "left")
    for match in similar.matches[:10]:
        table.add_row(match.exercise, f"{match.similarity:.0%}", match.first.student_id, match.second.student_id)
    console.print(table)
    console.print(f"compared {similar.compared} submissions ({len(similar.unreadable)} unreadable), "
                  f"{len(similar.matches)} pairs share code; report: {page}, every pair: {page.parent / 'similarity.csv'}")
    return 0


def _export(args) -> int:
    """The course's grades as a CSV for an LMS gradebook's import."""
    from .export import export_csv
    from .feedback import write_atomic

    course = load_course(args.course)
    try:
        text = export_csv(course, Path(args.gradebook), args.lms, args.canvas_match)
    except FileNotFoundError as missing:
        errors.print(f"[red]{missing}[/] (run `autograder grade` first, or pass --gradebook)")
        return 2
    out = Path(args.out or f"grades-{args.lms}.csv")
    write_atomic(out, text.encode("utf-8"))
    rows = len(list(csv.reader(io.StringIO(text)))) - (2 if args.lms == "canvas" else 1)
    console.print(f"wrote {out}: {rows} student{'s' * (rows != 1)}, final scores after late penalties, "
                  f"for {'Canvas' if args.lms == 'canvas' else 'Moodle'}'s grade import")
    return 0


def _gradescope(args) -> int:
    """Gradescope's autograder zip for one assignment."""
    from .gradescope import build

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    grade_cells(assignment)  # refuse to build when course.yaml and the source disagree
    out = build(course, assignment, Path(args.out or f"gradescope-{assignment.id}.zip"))
    console.print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment "
                  f"(Ubuntu base image; tests per {course.gradescope.tests}, visibility {course.gradescope.visibility})")
    return 0


def _nbgrader(*arguments: str) -> subprocess.CompletedProcess:
    """Run the real nbgrader CLI of this environment in the course root."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    return subprocess.run([os.path.join(bin_dir, "nbgrader"), *arguments], cwd=COURSE_ROOT, env=env,
                          capture_output=True, text=True)


def _release(args) -> int:
    course = load_course(args.course)
    for assignment in _chosen(args, course):
        grade_cells(assignment)  # refuse to release when course.yaml and the source disagree
        done = _nbgrader("generate_assignment", assignment.id, "--force", "--log-level=WARN")
        if done.returncode:
            errors.print(done.stdout + done.stderr)
            return done.returncode
        console.print(f"released {assignment.id} to assignments/{assignment.id}/")
    return 0


def _check(args) -> int:
    course = load_course(args.course)
    for assignment in course.assignments:
        cells = grade_cells(assignment)
        load_reference(assignment)
        console.print(f"{assignment.id}: {len(cells)} graded exercises, {assignment.total_points:g} points, "
                      f"due {assignment.due:%Y-%m-%d %H:%M %Z}: source notebook and course.yaml agree")
    return 0


def _demo(args) -> int:
    """Build each assignment's sample class into a course directory of its own and grade it like
    a real batch; nbgrader's commands and formgrader run in that folder see the class."""
    from .nbgrader_course import CONFIG_FILE, demo_config
    from .samples import write_sample_class

    course = load_course(args.course)
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    chosen = _chosen(args, course)
    for assignment in chosen:
        write_sample_class(out / "submitted", assignment)
    (out / CONFIG_FILE).write_text(demo_config(out), encoding="utf-8")
    console.print(f"wrote the sample class of {', '.join(a.id for a in chosen)} to {out}/submitted (reference, "
                  "stubs, typical mistakes, broken files and one malicious submission each)")
    args.all, args.assignment, args.student, args.submissions = True, None, None, str(out / "submitted")
    args.gradebook, args.feedback, args.reports = str(out / "gradebook.db"), str(out / "feedback"), str(out / "reports")
    status = _grade(args)
    console.print(f"{out}/ is an nbgrader course directory of its own: `cd {out}` and run nbgrader's commands "
                  f"there (`nbgrader export`, formgrader in `jupyter lab`)")
    return status


def parser() -> argparse.ArgumentParser:
    from .export import CANVAS_MATCH, LMS
    from .similarity import COMMON, TOP

    top = argparse.ArgumentParser(
        prog="autograder",
        description="Hidden, sandboxed, parallel grading for the neural-networks-from-scratch course, "
                    "recorded in nbgrader's gradebook.")
    top.add_argument("--course", default=str(COURSE_ROOT / "course.yaml"), help="course file (default: %(default)s)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = commands.add_parser("grade", help="grade every submission of an assignment",
                                description="Grade DIR/<student_id>/ASSIGNMENT/*.ipynb into an nbgrader "
                                            "gradebook, with per-student feedback and a class report. "
                                            "Exit 0 when every submission was graded (zeros included).")
    _which(grade, "grade every assignment that has submissions")
    _grading_options(grade)
    grade.set_defaults(run=_grade)

    release = commands.add_parser("release", help="regenerate assignments/ASSIGNMENT from solutions/ (nbgrader)")
    _which(release, "release every assignment")
    release.set_defaults(run=_release)

    show = commands.add_parser("show", help="one student's result in the terminal (for office hours)",
                               description="Points per exercise, every failed check with its hint, problems "
                                           "and late penalty of one graded submission.")
    show.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id from course.yaml")
    show.add_argument("student", metavar="STUDENT", help="student id (the submission folder's name)")
    show.add_argument("--reports", default="reports", metavar="DIR",
                      help="where `autograder grade` wrote its reports (default: %(default)s)")
    show.set_defaults(run=_show)

    similarity = commands.add_parser(
        "similarity", help="pairs of submissions with alike code, exercise by exercise (MOSS-style)",
        description="Compare every pair of submissions of ASSIGNMENT, exercise by exercise, on their code "
                    "with names, comments and layout ignored and the released stub left out; write "
                    "REPORTS/ASSIGNMENT/similarity.html (most similar pairs, code side by side) and similarity.csv.")
    similarity.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id from course.yaml")
    similarity.add_argument("--submissions", default="submitted", metavar="DIR",
                            help="nbgrader submitted folder (default: %(default)s)")
    similarity.add_argument("--reports", default="reports", metavar="DIR", help="where to write (default: %(default)s)")
    similarity.add_argument("--top", type=int, default=TOP, metavar="N",
                            help="pairs shown with their code (default: %(default)s)")
    similarity.add_argument("--common", type=int, default=COMMON, metavar="N",
                            help="code found in more than N submissions is common, not evidence (default: %(default)s)")
    similarity.set_defaults(run=_similarity)

    export = commands.add_parser(
        "export", help="the course's grades as a CSV that Canvas or Moodle imports",
        description="Every student's final score (after late penalties) in every assignment of the gradebook, "
                    "as a CSV for Canvas's or Moodle's gradebook import (see the README for each one's columns).")
    export.add_argument("--gradebook", default="gradebook.db", metavar="FILE",
                        help="nbgrader gradebook written by `autograder grade` (default: %(default)s)")
    export.add_argument("--lms", choices=LMS, default="canvas", help="whose import to write for (default: %(default)s)")
    export.add_argument("--out", metavar="FILE", help="where to write (default: grades-LMS.csv)")
    export.add_argument("--canvas-match", choices=CANVAS_MATCH, default="SIS Login ID", metavar="COLUMN",
                        help="Canvas column that holds the nbgrader student id, one of "
                             f"{', '.join(map(repr, CANVAS_MATCH))} (default: %(default)s)")
    export.set_defaults(run=_export)

    gradescope = commands.add_parser(
        "gradescope", help="Gradescope's autograder zip for an assignment",
        description="Build the autograder zip a Gradescope programming assignment expects (setup.sh, "
                    "run_autograder, the hidden graders, the reference from solutions/, pinned requirements); "
                    "it grades the submitted notebook in the same sandbox and writes results/results.json.")
    gradescope.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id from course.yaml")
    gradescope.add_argument("--out", metavar="FILE", help="where to write (default: gradescope-ASSIGNMENT.zip)")
    gradescope.set_defaults(run=_gradescope)

    check = commands.add_parser("check", help="validate course.yaml against the source notebooks")
    check.set_defaults(run=_check)

    demo = commands.add_parser("demo", help="grade the bundled sample submissions of every assignment")
    _which(demo, "every assignment (the default)", required=False)
    demo.add_argument("--out", default="demo", help="scratch folder for the demo class (default: %(default)s)")
    _grading_options(demo, with_paths=False)
    demo.set_defaults(run=_demo)
    return top


def _which(command: argparse.ArgumentParser, all_help: str, required: bool = True) -> None:
    """ASSIGNMENT or --all."""
    which = command.add_mutually_exclusive_group(required=required)
    which.add_argument("assignment", metavar="ASSIGNMENT", nargs="?", help="assignment id from course.yaml")
    which.add_argument("--all", action="store_true", help=all_help)


def _grading_options(command: argparse.ArgumentParser, with_paths: bool = True) -> None:
    if with_paths:
        command.add_argument("--submissions", default="submitted", metavar="DIR",
                             help="nbgrader submitted folder (default: %(default)s)")
        command.add_argument("--gradebook", default="gradebook.db", metavar="FILE",
                             help="nbgrader SQLite gradebook, created if missing; graded notebooks go "
                                  "to autograded/ beside it, for formgrader (default: %(default)s)")
        command.add_argument("--feedback", default="feedback", metavar="DIR",
                             help="per-student feedback pages (default: %(default)s)")
        command.add_argument("--reports", default="reports", metavar="DIR",
                             help="class and course reports, scores.csv and each result (default: %(default)s)")
        command.add_argument("--student", action="append", metavar="ID",
                             help="grade only this student (repeatable); reports still cover the whole class")
    command.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                         help="parallel grading workers (default: the number of CPUs, %(default)s)")
    dask = command.add_mutually_exclusive_group()
    dask.add_argument("--scheduler", metavar="ADDRESS",
                      help="grade on the Dask cluster of this scheduler (e.g. tcp://10.0.0.5:8786); results "
                           "are recorded here as in a local run")
    dask.add_argument("--cluster", metavar="local:N",
                      help="grade on a Dask cluster of N worker processes started on this machine")
    command.add_argument("--isolation", choices=ISOLATIONS, default="auto",
                         help="what confines student code's reads: bubblewrap, else Landlock (auto), one of "
                              "them required, or nothing but rlimits + seccomp (none, which needs "
                              "--allow-unconfined) (default: %(default)s)")
    command.add_argument("--allow-unconfined", action="store_true",
                         help="grade even where student code cannot be confined (no bubblewrap, no Landlock): "
                              "it could then read every file you can")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo" and not args.assignment:
        args.all = True
    if getattr(args, "workers", 1) < 1:
        errors.print("[red]--workers must be at least 1[/]")
        return 2
    try:
        return args.run(args)
    except ConfigError as error:
        errors.print(f"[red]{error}[/]")
        return 2


if __name__ == "__main__":
    sys.exit(main())
