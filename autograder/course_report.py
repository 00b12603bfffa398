"""The course report: every student across every assignment, read from the whole gradebook.

`write_course_report` writes <out_dir>/course.html (self-contained, plots inlined) and
<out_dir>/scores.csv, one row per student with each assignment's final score (after the late
penalty) and the course total. It reads the gradebook, not one run's results, so regrading
one assignment or one student never leaves the course view half-updated.
"""
from __future__ import annotations

import base64
import csv
import io
import statistics
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from . import gradebook
from .config import Assignment, Course
from .feedback import format_points, html_page, write_atomic
from .report import spreadsheet_safe


def final_scores(course: Course, gradebook_path: Path) -> dict[str, dict[str, float]]:
    """student id -> {assignment id: final score (after the late penalty)} for every submission
    of an assignment of course.yaml in the gradebook (manual scores included)."""
    return {student: {assignment: round(score - penalty, 2) for assignment, (score, penalty) in row.items()}
            for student, row in gradebook.course_scores(
                gradebook_path, course.course_id, [a.id for a in course.assignments]).items()}


def graded_assignments(course: Course, finals: dict[str, dict[str, float]]) -> list[Assignment]:
    """The assignments of course.yaml with at least one submission, in course.yaml's order."""
    return [a for a in course.assignments if any(a.id in row for row in finals.values())]


def write_course_report(course: Course, gradebook_path: Path, out_dir: Path) -> Path:
    finals = final_scores(course, gradebook_path)
    graded = graded_assignments(course, finals)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "scores.csv", _scores_csv(finals, graded).encode("utf-8"))
    page = out_dir / "course.html"
    write_atomic(page, _course_html(course, finals, graded).encode("utf-8"))
    return page


def _total(row: dict[str, float]) -> float:
    return round(sum(row.values()), 2)


def _scores_csv(finals: dict[str, dict[str, float]], graded: list[Assignment]) -> str:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["student_id", *(a.id for a in graded), "total", "max"])
    maximum = sum(a.total_points for a in graded)
    for student in sorted(finals):
        row = finals[student]
        writer.writerow([spreadsheet_safe(student), *(format_points(row[a.id]) if a.id in row else "" for a in graded),
                         format_points(_total(row)), format_points(maximum)])
    return handle.getvalue()


def distributions_png(finals: dict[str, dict[str, float]], graded: list[Assignment]) -> bytes:
    """One box per assignment (share of its points, every student's dot over it) and the
    histogram of course totals: where the class stands, assignment by assignment."""
    figure = Figure(figsize=(8, 1.2 + 0.55 * len(graded) + 2.6), dpi=144, layout="constrained")
    boxes, totals = figure.subplots(2, 1, height_ratios=[max(1, len(graded)), 3])
    shares = [[100 * row[a.id] / a.total_points for row in finals.values() if a.id in row] for a in graded]
    if graded:
        boxes.boxplot(shares, orientation="horizontal", widths=0.5, showfliers=False,
                      medianprops={"color": "#c2412d"})
        for position, values in enumerate(shares, start=1):
            boxes.scatter(values, [position] * len(values), s=10, alpha=0.5, color="#2f6fdf", zorder=3)
        boxes.set_yticks(range(1, len(graded) + 1), [a.id for a in graded])
        boxes.invert_yaxis()
    boxes.set_xlim(-3, 103)
    boxes.set_xlabel("score, % of the assignment's points (after late penalties)")
    boxes.set_title("Score distribution per assignment", loc="left", fontsize=11)
    course_totals = [_total(row) for row in finals.values()]
    maximum = sum(a.total_points for a in graded)
    totals.hist(course_totals, bins=min(20, max(5, len(course_totals))), range=(0, maximum or 1),
                color="#2f6fdf", edgecolor="white")
    totals.set_xlabel(f"course total (of {format_points(maximum)} points)")
    totals.set_ylabel("students")
    totals.set_title("Course totals", loc="left", fontsize=11)
    for axes in (boxes, totals):
        axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _course_html(course: Course, finals: dict[str, dict[str, float]], graded: list[Assignment]) -> str:
    maximum = sum(a.total_points for a in graded)
    totals = [_total(row) for row in finals.values()]
    figures = [("students", str(len(finals))), ("assignments graded", f"{len(graded)} / {len(course.assignments)}"),
               ("mean total", f"{format_points(statistics.fmean(totals)) if totals else '–'} / {format_points(maximum)}"),
               ("median total", format_points(statistics.median(totals)) if totals else "–")]
    header = (f"<header><p class='muted'>Course report · <code>{escape(course.course_id)}</code></p>"
              "<h1>Every student, every assignment</h1><div class='stats'>"
              + "".join(f"<div><span class='big'>{escape(v)}</span><span class='muted'>{k}</span></div>"
                        for k, v in figures) + "</div></header>")
    png = base64.b64encode(distributions_png(finals, graded)).decode()
    plot = (f"<section><h2>Distributions</h2><img class='plot' src='data:image/png;base64,{png}' "
            "alt='Score distribution per assignment and histogram of course totals'></section>")
    head = "".join(f"<th class='num'>{escape(a.id)}<br><span class='muted'>/{format_points(a.total_points)}</span></th>"
                   for a in graded)
    rows = "".join(
        f"<tr><td>{escape(student)}</td>"
        + "".join(f"<td class='num'>{format_points(finals[student][a.id]) if a.id in finals[student] else '–'}</td>"
                  for a in graded)
        + f"<td class='num'><b>{format_points(_total(finals[student]))}</b></td></tr>"
        for student in sorted(finals))
    table = (f"<section><h2>Students</h2><p class='muted'>Final scores after late penalties; – means no "
             f"submission. The same numbers are in <code>scores.csv</code>.</p><table><tr><th>Student</th>{head}"
             f"<th class='num'>Total<br><span class='muted'>/{format_points(maximum)}</span></th></tr>{rows}</table></section>")
    return html_page(f"Course report: {course.course_id}", header + plot + table)
