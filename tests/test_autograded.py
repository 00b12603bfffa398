"""The autograded notebook formgrader opens, built from hand-made submissions: nbgrader's shape
(grade and locked cells restored, outputs cleared, valid nbformat), each grade cell showing its
checks, and a page for anything, however broken."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest

from autograder import autograded, nbgrader_course
from autograder.autograded import autograded_notebook, solution_cells, solution_comments
from autograder.results import CaseResult, ExerciseResult, SubmissionResult
from autograder.samples import answered_release
from conftest import COURSE

ASSIGNMENT = COURSE.assignment("shallow_network")


@pytest.fixture(scope="module")
def template():
    return autograded.plain(nbgrader_course.template(ASSIGNMENT))


def result(problems=()) -> SubmissionResult:
    averaged = CaseResult("random_m10", "random probabilities, m = 10", 1.0, False,
                          "the cost must be averaged over the m examples", "cost_no_mean")
    exercises = [ExerciseResult(name, f"check_{name}", points, [CaseResult("c", "a case", 1.0, True)])
                 for name, points in ASSIGNMENT.exercises.items()]
    exercises[3].cases.append(averaged)
    return SubmissionResult("chen", ASSIGNMENT.id, "chen/shallow_network.ipynb", exercises, list(problems))


def built(template, submitted, problems=()) -> nbformat.NotebookNode:
    notebook = nbformat.reads(autograded_notebook(template, submitted, result(problems)).decode(), as_version=4)
    nbformat.validate(notebook)
    return notebook


def grade_cells(notebook) -> dict[str, dict]:
    return {cell.metadata.nbgrader.grade_id: cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata.nbgrader.get("solution")}


def test_grade_cells_are_restored_and_show_their_checks(template):
    submission = answered_release(ASSIGNMENT)
    for cell in submission["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "check_compute_cost":
            cell["source"] = "pass  # the student emptied the check"
            meta["points"] = 100
        if meta.get("grade_id") == "intro":
            meta["grade_id"] = "made_up_id"
    submission["cells"] = [c for c in submission["cells"]
                           if c["metadata"].get("nbgrader", {}).get("grade_id") != "check_predict"]
    before = copy.deepcopy(template)
    notebook = built(template, json.dumps(submission).encode())
    assert template == before
    cells = grade_cells(notebook)
    assert set(cells) == {f"check_{name}" for name in ASSIGNMENT.exercises}
    original = {c["metadata"]["nbgrader"]["grade_id"]: c for c in template["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id")}
    assert cells["check_compute_cost"].source == original["check_compute_cost"]["source"]   # restored
    assert cells["check_compute_cost"].metadata.nbgrader.points == 1
    assert cells["check_predict"].source.startswith("# This cell (id:check_predict) was missing")
    assert "made_up_id" not in json.dumps(notebook)      # an id the gradebook lacks is dropped
    [output] = cells["check_compute_cost"].outputs
    assert output.text.startswith("autograder: compute_cost earned 0.5 of 1 points")
    assert "FAILED: the cost must be averaged over the m examples" in output.text
    others = [c for c in notebook.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")
              not in cells]
    assert all(c.outputs == [] and c.execution_count is None for c in others)


@pytest.mark.parametrize("submitted", [
    b"this is not a notebook {", b"{}", b"[]", None,
    json.dumps({"cells": [{"cell_type": "code", "metadata": [], "source": 7, "outputs": []}]}).encode(),
    json.dumps({"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade_id": ["x"]}}, "source": ["a", 1]}],
                "nbformat": 4, "nbformat_minor": 2}).encode(),
    json.dumps({"cells": ["not a cell"]}).encode(),
    json.dumps({"cells": [], "metadata": [], "nbformat": 4, "nbformat_minor": 5}).encode(),
    json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": "5"}).encode(),
], ids=["not_json", "empty", "list", "missing", "bad_metadata", "bad_grade_id", "bad_cell", "bad_notebook_metadata",
        "bad_minor"])
def test_anything_opens(template, submitted):
    before = copy.deepcopy(template)
    notebook = built(template, submitted, problems=["the file is <b>broken</b>"])
    assert template == before   # shared by the whole batch: copied where a cell changes, never changed
    assert notebook.cells[0].cell_type == "markdown" and "&lt;b&gt;broken&lt;/b&gt;" in notebook.cells[0].source
    assert len(grade_cells(notebook)) == len(ASSIGNMENT.exercises)


def test_solution_cell_comments_say_what_the_feedback_says(template):
    targets = {name: name for name in ASSIGNMENT.exercises}
    cells = solution_cells(template, targets)
    assert cells == {name: name for name in ASSIGNMENT.exercises}   # each function's own solution cell
    comments = solution_comments(result(), cells)
    assert comments["compute_cost"] == ("compute_cost: 0.5 / 1\n- random probabilities, m = 10: "
                                        "FAILED: the cost must be averaged over the m examples")
    assert comments["layer_sizes"] == "layer_sizes: 1 / 1 (every check passed)"
    network = copy.deepcopy(template)   # methods of one class share the class's cell
    assert solution_cells(network, {"init": "layer_sizes.__init__"}) == {"init": "layer_sizes"}
