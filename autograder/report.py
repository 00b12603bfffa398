"""The class report for the instructor: where the class stands and which mistakes are common.

`write_class_report` writes <out_dir>/<assignment>/report.html (self-contained, the histogram
inlined), histogram.png and scores.csv; `summary_table` is the CLI's closing table. Points and
maxima are the trusted ones from course.yaml; a result only contributes what it earned.
"""
from __future__ import annotations

import base64
import collections
import csv
import io
import statistics
from dataclasses import dataclass
from html import escape
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from rich import box
from rich.table import Table
from rich.text import Text

from .config import Assignment
from .feedback import format_points, html_page, score_class, write_atomic
from .results import ExerciseResult, SubmissionResult
from .student import StudentError

TOP_MISTAKES = 10
_RICH_STYLES = {"full": "green", "part": "yellow", "none": "red"}


@dataclass(frozen=True)
class ExerciseStats:
    name: str
    max_points: float
    pass_rate: float | None    # share of students with full points; None without submissions
    mean_points: float | None


@dataclass(frozen=True)
class CommonMistake:
    exercise: str
    hint: str
    students: int              # students with at least one failed case showing this mistake
    attempted: int             # students who attempted the exercise (the share's denominator)


@dataclass(frozen=True)
class ClassStats:
    totals: dict[str, float]   # student id -> final score (after the late penalty)
    before_penalty: dict[str, float]  # student id -> points earned, before the late penalty
    exercises: list[ExerciseStats]
    mistakes: list[CommonMistake]
    problems: dict[str, list[str]]  # student id -> problems, only submissions that have any
    not_started: list[str]     # every exercise still a stub (or missing)
    did_not_run: list[str]     # no exercise could be run because of a problem (a syntax error, say)
    unreadable: list[str]      # no usable notebook: nothing could be run
    flagged: dict[str, list[str]]   # student id -> what their code tried that the sandbox forbids
    isolation: str             # what confined student code (see isolation_summary)


#: Failure keys that say why code could not be judged, not which mistake it makes.
UNJUDGED = {"not_implemented", "missing", "no_code"}
UNDIAGNOSED = UNJUDGED | {"", "grader_error", StudentError.__name__,
                          *(kind.__name__ for kind in StudentError.__subclasses__())}


def final_score(result: SubmissionResult) -> float:
    """The score that counts: points earned less the late penalty."""
    return round(result.score - result.late_penalty, 2)


def attempted(exercise: ExerciseResult) -> bool:
    """Whether the student wrote something for the exercise that could be judged."""
    return any(case.passed or case.mistake not in UNJUDGED for case in exercise.cases)


def tampering(result: SubmissionResult) -> list[str]:
    """Evidence that the code tried what the sandbox forbids (honest NumPy code never does):
    an operation refused with PermissionError, or the process ending itself or being killed."""
    return list(dict.fromkeys(
        f"{exercise.name}: {case.hint}" for exercise in result.exercises for case in exercise.cases
        if case.mistake == "StudentCrash" or (case.mistake == "StudentRaised" and case.hint.startswith("PermissionError"))))


def exercise_points(result: SubmissionResult, assignment: Assignment) -> dict[str, float]:
    """Points per exercise of the assignment, in course.yaml order; 0 where the result has none."""
    earned = {exercise.name: exercise.points for exercise in result.exercises}
    return {name: earned.get(name, 0.0) for name in assignment.exercises}


def class_stats(results: list[SubmissionResult], assignment: Assignment) -> ClassStats:
    """Everything the report shows, computed once."""
    points = {result.student_id: exercise_points(result, assignment) for result in results}
    exercises = []
    for name, max_points in assignment.exercises.items():
        earned = [row[name] for row in points.values()]
        exercises.append(ExerciseStats(
            name, max_points,
            pass_rate=sum(p >= max_points for p in earned) / len(earned) if earned else None,
            mean_points=statistics.fmean(earned) if earned else None,
        ))
    before = {student: round(sum(row.values()), 2) for student, row in points.items()}
    penalties = {result.student_id: result.late_penalty for result in results}
    flagged = {result.student_id: evidence for result in results if (evidence := tampering(result))}
    return ClassStats(
        totals={student: round(total - penalties[student], 2) for student, total in before.items()},
        before_penalty=before,
        exercises=exercises,
        mistakes=_common_mistakes([r for r in results if r.student_id not in flagged], assignment),
        problems={result.student_id: result.problems for result in results if result.problems},
        not_started=[r.student_id for r in results if _nothing_to_run(r, "not_implemented", "missing")
                     and not r.problems],
        did_not_run=[r.student_id for r in results if _nothing_to_run(r, "not_implemented", "missing")
                     and r.problems],
        unreadable=[r.student_id for r in results if _nothing_to_run(r, "no_code")],
        flagged=flagged,
        isolation=isolation_summary(results) if results else "–",
    )


def _nothing_to_run(result: SubmissionResult, *keys: str) -> bool:
    """Every check of every exercise failed for one of ``keys`` (stubs only, or no usable file)."""
    cases = [case for exercise in result.exercises for case in exercise.cases]
    return bool(cases) and all(not case.passed and case.mistake in keys for case in cases)


def _common_mistakes(results: list[SubmissionResult], assignment: Assignment) -> list[CommonMistake]:
    """The diagnosed mistakes (keys of the hint table) most often made by the students who
    attempted the exercise, each student counted once per mistake.

    Stubs, missing functions, unreadable files and failures the graders could not put a name
    to say nothing about how the class understands the material, so they are left out (the
    report lists not-started and unreadable submissions on their own).
    """
    order = list(assignment.exercises)
    students: dict[tuple[str, str], set[str]] = {}
    hints: dict[tuple[str, str], str] = {}
    tried = {name: 0 for name in order}
    for result in results:
        for exercise in result.exercises:
            if exercise.name not in order or not attempted(exercise):
                continue
            tried[exercise.name] += 1
            if exercise.relies_on_failing:   # a knock-on of another exercise's mistake
                continue
            for case in exercise.cases:
                if case.passed or case.mistake in UNDIAGNOSED:
                    continue
                key = (exercise.name, case.mistake)
                students.setdefault(key, set()).add(result.student_id)
                hints.setdefault(key, case.hint)
    ranked = sorted(students, key=lambda key: (-len(students[key]), order.index(key[0]), hints[key]))
    return [CommonMistake(key[0], hints[key], len(students[key]), tried[key[0]]) for key in ranked[:TOP_MISTAKES]]


def write_class_report(results: list[SubmissionResult], out_dir: Path, assignment: Assignment) -> Path:
    """Write report.html, histogram.png and scores.csv under out_dir/<assignment>; return the page."""
    folder = Path(out_dir) / assignment.id
    folder.mkdir(parents=True, exist_ok=True)
    stats = class_stats(results, assignment)
    png = histogram_png(list(stats.totals.values()), assignment)
    write_atomic(folder / "histogram.png", png)
    write_atomic(folder / "scores.csv", _scores_csv(results, assignment).encode("utf-8"))
    page = folder / "report.html"
    write_atomic(page, _report_html(stats, assignment, png).encode("utf-8"))
    return page


def histogram_png(totals: list[float], assignment: Assignment) -> bytes:
    """Total scores, one bar per point (wider for long assignments), the maximum marked.

    Built on a bare matplotlib Figure (Agg canvas) rather than pyplot: no global figure
    registry, so nothing stays open after the PNG is rendered, however many reports are made.
    """
    max_score = assignment.total_points
    width = max(1.0, max_score / 25)
    edges = [min(i * width, max_score) for i in range(int(-(-max_score // width)) + 1)]
    figure = Figure(figsize=(7.5, 3.6), dpi=144, layout="constrained")
    axes = figure.subplots()
    axes.hist(totals, bins=edges, color="#2f6fdf", edgecolor="white", linewidth=1.2)
    axes.axvline(max_score, color="#1f8a4c", linestyle="--", linewidth=1.5,
                 label=f"max {format_points(max_score)}")
    if totals:
        axes.axvline(statistics.fmean(totals), color="#c2412d", linestyle=":", linewidth=1.8,
                     label=f"mean {format_points(statistics.fmean(totals))}")
    else:
        axes.text(0.5, 0.5, "no submissions yet", transform=axes.transAxes,
                  ha="center", va="center", color="#616e7c")
    axes.set_xticks(edges, [format_points(edge) for edge in edges])
    axes.set_xlim(-0.02 * max_score, max_score * 1.04)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("final score (after late penalties)")
    axes.set_ylabel("students")
    axes.set_title(f"{assignment.id}: final scores (n = {len(totals)})", loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e4e7eb")
    axes.set_axisbelow(True)
    axes.legend(frameon=False, loc="best")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _scores_csv(results: list[SubmissionResult], assignment: Assignment) -> str:
    """One row per student: the final score first, then the points before the late penalty,
    the penalty, and the points of each exercise."""
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["student_id", "final", "before_penalty", "late_penalty", *assignment.exercises])
    for result in sorted(results, key=lambda r: r.student_id):
        points = exercise_points(result, assignment)
        total = round(sum(points.values()), 2)
        writer.writerow([spreadsheet_safe(result.student_id), format_points(total - result.late_penalty),
                         format_points(total), format_points(result.late_penalty),
                         *map(format_points, points.values())])
    return handle.getvalue()


def spreadsheet_safe(text: str) -> str:
    """A student id (a folder name) that a spreadsheet would run as a formula gets a leading '."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def summary_table(results: list[SubmissionResult], assignment: Assignment) -> Table:
    """One row per student — the final score first, then the points per exercise, and when the
    late policy took something off, the points before it and the penalty — and a row of means."""
    table = Table(title=Text(f"{assignment.title} ({assignment.id})"), title_justify="left",
                  box=box.SIMPLE_HEAD)
    table.add_column("student", no_wrap=True)
    table.add_column(f"final\n/{format_points(assignment.total_points)}", justify="right")
    for name, max_points in assignment.exercises.items():
        header = name.replace("_", "_\n")  # narrow columns that still read as the function name
        table.add_column(f"{header}\n/{format_points(max_points)}", justify="right", min_width=5,
                         overflow="fold")
    late = any(result.late_penalty for result in results)
    if late:  # shown only when the late policy took something off
        table.add_column("before\npenalty", justify="right")
        table.add_column("late\npenalty", justify="right")
    maxima = [assignment.total_points, *assignment.exercises.values()]
    rows = []
    for result in sorted(results, key=lambda r: r.student_id):
        points = [*exercise_points(result, assignment).values()]
        rows.append([final_score(result), *points] + ([round(sum(points), 2), -result.late_penalty] if late else []))
        cells = [Text(format_points(p), style=_RICH_STYLES[score_class(p, m)]) for p, m in zip(rows[-1], maxima)]
        cells[0].stylize("bold")
        if late:
            cells += [Text(format_points(rows[-1][-2])),
                      Text(format_points(-result.late_penalty) if result.late_penalty else "")]
        table.add_row(Text(result.student_id), *cells)
    means = [statistics.fmean(column) for column in zip(*rows)] if rows else [None] * len(maxima)
    table.add_section()
    table.add_row(Text("mean", style="bold"), *(Text(_maybe(m), style="bold") for m in means))
    return table


def isolation_summary(results: list[SubmissionResult]) -> str:
    """What confined student code, e.g. "landlock", or "bubblewrap for 10, none for 2" when a
    batch (or the results kept from earlier runs) mixed them; "unknown" for older results."""
    counts = collections.Counter(result.isolation or "unknown" for result in results)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{name} for {count}" for name, count in counts.most_common())


def _maybe(points: float | None) -> str:
    return "–" if points is None else format_points(points)


def _report_html(stats: ClassStats, assignment: Assignment, png: bytes) -> str:
    totals, before = list(stats.totals.values()), list(stats.before_penalty.values())
    full_marks = sum(total >= assignment.total_points for total in before)
    figures = [
        ("submissions", str(len(totals))),
        ("mean final score", f"{_maybe(statistics.fmean(totals) if totals else None)} / "
                             f"{format_points(assignment.total_points)}"),
        ("median final score", _maybe(statistics.median(totals) if totals else None)),
        ("mean before late penalties", _maybe(statistics.fmean(before) if before else None)),
        ("full marks earned", str(full_marks)),
        ("with problems", str(len(stats.problems))),
        ("isolation", stats.isolation),
    ]
    header = (
        f"<header><p class='muted'>Class report · <code>{escape(assignment.id)}</code> · due "
        f"{escape(assignment.due.strftime('%Y-%m-%d %H:%M %Z'))}</p>"
        f"<h1>{escape(assignment.title)}</h1><div class='stats'>"
        + "".join(f"<div><span class='big'>{escape(value)}</span><span class='muted'>{label}</span></div>"
                  for label, value in figures)
        + "</div></header>"
    )
    histogram = (
        "<section><h2>Final scores</h2><p class='muted'>After late penalties; the points before them are "
        "in <code>scores.csv</code>.</p>"
        f"<img src='data:image/png;base64,{base64.b64encode(png).decode()}' "
        "alt='Histogram of the students&#x27; total scores' class='plot'></section>"
    )
    body = (header + _flagged_html(stats) + histogram + _exercises_html(stats) + _mistakes_html(stats)
            + _not_graded_html(stats) + _problems_html(stats))
    footer = "<footer>Per-student points: <code>scores.csv</code> next to this page.</footer>"
    return html_page(f"Class report: {assignment.title}", body + footer)


def _exercises_html(stats: ClassStats) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(e.name)}</code></td><td class='num'>{format_points(e.max_points)}</td>"
        f"<td class='num'>{_percent(e.pass_rate)}</td><td>{_meter(e.pass_rate)}</td>"
        f"<td class='num'>{_maybe(e.mean_points)}</td></tr>"
        for e in stats.exercises
    )
    return ("<section><h2>Exercises</h2><table><tr><th>Exercise</th><th class='num'>Points</th>"
            "<th class='num'>Full marks</th><th></th><th class='num'>Mean points</th></tr>"
            f"{rows}</table></section>")


def _mistakes_html(stats: ClassStats) -> str:
    if not stats.mistakes:
        return "<section><h2>Common mistakes</h2><p class='muted'>No diagnosed mistakes.</p></section>"
    rows = "".join(
        f"<tr><td class='num'>{m.students} of {m.attempted}</td><td><code>{escape(m.exercise)}</code></td>"
        f"<td class='wrap'>{escape(m.hint)}</td></tr>"
        for m in stats.mistakes
    )
    return ("<section><h2>Common mistakes</h2><p class='muted'>Mistakes the graders recognised, by the "
            "number of students who made them among those who attempted the exercise (stubs, missing "
            "functions and unreadable files are listed below, not here).</p>"
            f"<table><tr><th class='num'>Students</th><th>Exercise</th><th>Mistake</th></tr>{rows}</table>"
            "</section>")


def _flagged_html(stats: ClassStats) -> str:
    """First on the page: submissions whose code tried what the sandbox forbids."""
    if not stats.flagged:
        return ""
    rows = "".join(
        f"<tr><td>{escape(student)}</td><td class='wrap'>{'<br>'.join(map(escape, evidence[:5]))}</td></tr>"
        for student, evidence in sorted(stats.flagged.items()))
    return (f"<section class='problems'><h2>Flagged for review: tried to get around the grader "
            f"({len(stats.flagged)})</h2><p>The code of these submissions did what honest NumPy code never "
            "does (an operation the sandbox refused, or ending or killing its own process). The sandbox "
            "stopped it; read the notebook before trusting anything else about it.</p>"
            f"<table><tr><th>Student</th><th>What happened</th></tr>{rows}</table></section>")


def _not_graded_html(stats: ClassStats) -> str:
    groups = [("Not started", "every exercise is still the stub (or missing)", stats.not_started),
              ("Did not run", "a problem (a syntax error, say) kept every exercise from running",
               stats.did_not_run),
              ("Unreadable", "no notebook could be used; each feedback page says why", stats.unreadable)]
    items = "".join(f"<li><strong>{title} ({len(students)})</strong> — {why}: {escape(', '.join(students))}</li>"
                    for title, why, students in groups if students)
    return f"<section><h2>Nothing to grade</h2><ul>{items}</ul></section>" if items else ""


def _problems_html(stats: ClassStats) -> str:
    if not stats.problems:
        return ""
    rows = "".join(
        f"<tr><td>{escape(student)}</td><td class='wrap'>{'<br>'.join(map(escape, problems))}</td></tr>"
        for student, problems in sorted(stats.problems.items())
    )
    return (f"<section><h2>Submissions with problems ({len(stats.problems)})</h2>"
            "<details><summary>Show students and problems</summary>"
            f"<table><tr><th>Student</th><th>Problem</th></tr>{rows}</table></details></section>")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def _meter(share: float | None) -> str:
    return f"<div class='bar meter'><span style='width:{100 * (share or 0):.1f}%'></span></div>"
