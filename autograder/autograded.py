"""The graded notebook a TA opens in formgrader: the student's notebook, shaped as nbgrader's
own `autograde` leaves it, with what the feedback page says in each grade cell.

nbgrader's autograded copy is the submission with its outputs cleared, its locked and grade
cells restored from the gradebook and the checks' output in each grade cell. This one is made
the same way from the template `nbgrader_course.record_structure` returns (the source notebook
as the gradebook holds it), except that nothing is executed: each grade cell's output is the
list of hidden checks with their hints, so a TA grading by hand sees why points were lost. A
file that is not a notebook still gets a page: the blank release with the problem on top.
"""
from __future__ import annotations

import ast
import json
import re
from html import escape

from .results import ExerciseResult, SubmissionResult, check_lines
from .feedback import format_points

_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
MISSING_CELL = "# This cell (id:{grade_id}) was missing from the submission. It was added back by the autograder.\n\n"


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _read(data: bytes | None) -> dict | None:
    """The submission as an nbformat 4 notebook of plain dicts and lists, or None when it is not one."""
    import nbformat

    try:
        document = json.loads(data) if data is not None else None
        if not isinstance(document, dict) or not isinstance(document.get("cells", document.get("worksheets")), list):
            return None
        if document.get("nbformat") != 4:  # nbformat converts the old formats; 4 is used as it is
            document = json.loads(json.dumps(nbformat.convert(nbformat.from_dict(document), 4)))
        if not (isinstance(document.get("metadata", {}), dict) and isinstance(document.get("nbformat_minor", 0), int)
                and all(isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")
                        for cell in document["cells"])):
            return None
        for cell in document["cells"]:   # only the shapes the rest relies on
            if not isinstance(cell.get("metadata"), dict):
                cell["metadata"] = {}
            source = cell.get("source", "")
            try:  # a list of lines is joined; join refuses anything but strings
                cell["source"] = source if isinstance(source, str) else "".join(source) if isinstance(source, list) else ""
            except TypeError:
                cell["source"] = ""
        return document
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError, nbformat.ValidationError):
        return None


def _restored(cells: list[dict], template: dict) -> list[dict]:
    """nbgrader's OverwriteCells, applied to plain cells: locked and grade cells come back from
    the template; solution cells keep the student's code under the template's metadata; a cell
    claiming an id the template lacks (or one already seen) loses its nbgrader metadata; grade
    cells that were deleted are added back at the end. Template cells are copied one level
    deep: what is below (metadata, source) is only read from here on."""
    known = {_nbgrader(cell)["grade_id"]: cell for cell in template["cells"] if _nbgrader(cell).get("grade_id")}
    out, seen = [], set()
    for cell in cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id is not None:  # a new dict: the cell may be the template's
            cell["metadata"] = {key: value for key, value in cell["metadata"].items() if key != "nbgrader"}
        original = known.get(grade_id) if isinstance(grade_id, str) and grade_id not in seen else None
        if original is None:
            out.append(cell)
            continue
        seen.add(grade_id)
        meta = _nbgrader(original)
        if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            cell = dict(original)
        else:
            cell["cell_type"] = original["cell_type"]
            cell["metadata"]["nbgrader"] = meta
        out.append(cell)
    for grade_id, original in known.items():
        meta = _nbgrader(original)
        if meta.get("grade") and not meta.get("solution") and grade_id not in seen:
            added = dict(original)
            added["source"] = MISSING_CELL.format(grade_id=grade_id) + added["source"]
            out.append(added)
    return out


def _clean(cell: dict) -> dict:
    """As nbgrader's ClearOutput leaves a cell: no outputs, no execution count."""
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return cell


def _report(exercise: ExerciseResult) -> dict:
    text = (f"autograder: {exercise.name} earned {format_points(exercise.points)} of "
            f"{format_points(exercise.max_points)} points\n" + "".join(f"{line}\n" for line in check_lines(exercise)))
    return {"output_type": "stream", "name": "stdout", "text": text}


def plain(template) -> dict:
    """The template (an nbformat NotebookNode) as plain dicts and lists, made once per batch."""
    return json.loads(json.dumps(template))


def autograded_notebook(template: dict, submitted: bytes | None, result: SubmissionResult) -> bytes:
    """The autograded notebook (JSON bytes) of one graded submission. ``template`` is `plain`'s:
    it is copied only where a cell changes, never changed itself."""
    notebook = _read(submitted)
    unreadable = notebook is None
    if unreadable:
        notebook = {**template, "cells": [dict(cell) for cell in template["cells"]]}
    notebook["cells"] = [_clean(cell) for cell in _restored(list(notebook["cells"]), template)]
    by_cell = {exercise.grade_id: exercise for exercise in result.exercises}
    for cell in notebook["cells"]:
        exercise = by_cell.get(_nbgrader(cell).get("grade_id"))
        if exercise is not None and cell["cell_type"] == "code":
            cell["outputs"] = [_report(exercise)]
    if result.problems:
        lead = ("**The submitted file could not be read as a notebook**; this is the blank assignment, "
                "so the grades can still be reviewed. " if unreadable else "")
        notebook["cells"].insert(0, {
            "cell_type": "markdown", "metadata": {},
            "source": f"### Autograder: problems with this submission\n\n{lead}\n\n"
                      + "".join(f"- {escape(problem)}\n" for problem in result.problems)})
    notebook["metadata"] = {**notebook.get("metadata", {}), "kernelspec": template.get("metadata", {}).get("kernelspec", {})}
    # Compact: the standard library indents only in pure Python (a millisecond per notebook).
    return json.dumps(_with_ids(notebook), ensure_ascii=False).encode("utf-8")


def _with_ids(notebook: dict) -> dict:
    """nbformat 4.5: every cell has an id, and no two the same (nbgrader's DeduplicateIds)."""
    notebook["nbformat"], notebook["nbformat_minor"] = 4, max(5, notebook.get("nbformat_minor") or 0)
    seen = set()
    for number, cell in enumerate(notebook["cells"]):
        if not (isinstance(cell.get("id"), str) and _CELL_ID.fullmatch(cell["id"])) or cell["id"] in seen:
            cell["id"] = f"autograder-{number}"
        seen.add(cell["id"])
    return notebook


def solution_cells(template: dict, targets: dict[str, str]) -> dict[str, str]:
    """exercise -> grade id of the solution cell that defines it (its function, or the class
    of its method), from ``targets`` (exercise -> "f" or "Class.method")."""
    defined = {}
    for cell in template["cells"]:
        meta = _nbgrader(cell)
        if meta.get("solution") and cell["cell_type"] == "code":
            try:
                tree = ast.parse(cell["source"])
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined.setdefault(node.name, meta["grade_id"])
    return {exercise: defined[target.split(".")[0]] for exercise, target in targets.items()
            if target.split(".")[0] in defined}


def solution_comments(result: SubmissionResult, cells: dict[str, str]) -> dict[str, str]:
    """The automatic comment of each solution cell: its exercises' points and, for each failed
    check, what it checked and the hint — what the student's feedback page says."""
    texts: dict[str, list[str]] = {}
    for exercise in result.exercises:
        if exercise.name not in cells:
            continue
        failed = [line for line, case in zip(check_lines(exercise), exercise.cases) if not case.passed]
        texts.setdefault(cells[exercise.name], []).append(
            f"{exercise.name}: {format_points(exercise.points)} / {format_points(exercise.max_points)}"
            + ("".join(f"\n- {line}" for line in failed) if failed else " (every check passed)"))
    return {cell: "\n\n".join(parts) for cell, parts in texts.items()}
