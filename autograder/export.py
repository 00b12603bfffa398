"""`autograder export`: the course's grades as a CSV that Canvas's or Moodle's gradebook imports.

The scores are the course report's (course_report.final_scores): every assignment of course.yaml
with a submission in the gradebook, manual scores included, late penalties taken off. A student
without a submission of an assignment gets an empty cell, which both importers leave alone.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .config import Course

#: Canvas's own export starts with these; its importer finds each student by one of the IDs.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_MATCH = ("SIS Login ID", "SIS User ID", "ID")
LMS = ("canvas", "moodle")


def export_csv(course: Course, gradebook_path: Path, lms: str, canvas_match: str = "SIS Login ID") -> str:
    """The CSV text for ``lms`` ("canvas" or "moodle")."""
    from . import gradebook   # nbgrader and matplotlib: imported when needed, not for --help
    from .course_report import final_scores, graded_assignments
    from .feedback import format_points
    from .report import spreadsheet_safe

    finals = final_scores(course, gradebook_path)
    people = gradebook.people(gradebook_path, course.course_id)
    graded = graded_assignments(course, finals)
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    students = sorted(finals)
    scores = [[format_points(finals[s][a.id]) if a.id in finals[s] else "" for a in graded] for s in students]
    if lms == "canvas":
        # Student (a name, for the reader), the chosen ID column holding the nbgrader id, then
        # a "Points Possible" row, as in Canvas's own export, that gives new assignments their points.
        writer.writerow([*CANVAS_COLUMNS, *(a.id for a in graded)])
        writer.writerow(["Points Possible", "", "", "", "", *(format_points(a.total_points) for a in graded)])
        for student, row in zip(students, scores):
            first, last, _ = people.get(student, ("", "", ""))
            name = f"{last}, {first}" if last and first else (last or first or student)
            ids = ["", "", ""]
            ids[("ID", "SIS User ID", "SIS Login ID").index(canvas_match)] = spreadsheet_safe(student)
            writer.writerow([spreadsheet_safe(name), *ids, "", *row])
    else:
        # Moodle maps any column to a user field ("Username" -> username, "Email address" -> email)
        # and each other column to a grade item when importing.
        writer.writerow(["Username", "Email address", *(a.id for a in graded)])
        for student, row in zip(students, scores):
            writer.writerow([spreadsheet_safe(student), spreadsheet_safe(people.get(student, ("", "", ""))[2]), *row])
    return handle.getvalue()
