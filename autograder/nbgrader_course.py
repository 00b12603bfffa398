"""What nbgrader's own tools need from `autograder grade`, made by nbgrader itself.

nbgrader's commands (autograde, formgrader, generate_feedback, export) expect a gradebook in
which `nbgrader generate_assignment` recorded every cell of the notebook — grade, solution and
locked cells, with their sources and checksums. `record_structure` runs exactly that part of
generate_assignment (its own preprocessors, up to and including SaveCells, configured by the
course's nbgrader_config.py) on the source notebook, so a gradebook written by `autograder
grade` is one nbgrader's commands keep working on. The same notebook — the source with
solutions cleared and checksums computed, as the gradebook holds it (`template`) — is what
the autograded notebooks are restored from.
"""
from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from . import COURSE_ROOT
from .config import Assignment
from .reference import source_notebook

CONFIG_FILE = "nbgrader_config.py"


@cache
def course_config(root: Path = COURSE_ROOT):
    """The course's nbgrader configuration (its nbgrader_config.py), as nbgrader loads it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


def _steps() -> tuple[list[type], type]:
    """generate_assignment's own preprocessors before SaveCells, and SaveCells (the later steps
    only strip hidden tests from the student's copy)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    steps = list(GenerateAssignment.class_traits()["preprocessors"].default())
    return steps[:steps.index(SaveCells)], SaveCells


def template(assignment: Assignment, root: Path = COURSE_ROOT):
    """The source notebook as generate_assignment records it in the gradebook: solutions
    cleared, cells locked, outputs cleared, checksums computed (an nbformat NotebookNode)."""
    import nbformat

    notebook = nbformat.read(source_notebook(assignment, root), as_version=4)
    resources = _resources(assignment, None)
    before, _ = _steps()
    for step in before:
        notebook, resources = step(config=course_config(root)).preprocess(notebook, resources)
    return notebook


def record_structure(db_path: Path, assignment: Assignment, notebook, root: Path = COURSE_ROOT) -> None:
    """Record the assignment's notebook and all its cells (``notebook``, from `template`) in the
    gradebook at db_path with nbgrader's SaveCells, as `nbgrader generate_assignment` does.

    The assignment row must exist. nbgrader refuses to add or remove cells of a notebook that
    already has submissions (RuntimeError): the caller decides what to do then.
    """
    _, save_cells = _steps()
    save_cells(config=course_config(root)).preprocess(copy.deepcopy(notebook), _resources(assignment, db_path))


def _resources(assignment: Assignment, db_path: Path | None) -> dict:
    return {"nbgrader": {"notebook": Path(assignment.notebook).stem, "assignment": assignment.id,
                         "db_url": f"sqlite:///{Path(db_path).resolve()}" if db_path else ""}}


def demo_config(folder: Path, root: Path = COURSE_ROOT) -> str:
    """nbgrader_config.py of a class graded into its own folder (the demo): a course directory
    of its own — this folder's gradebook, submitted/, autograded/ and feedback/ — teaching the
    course's notebooks, so `nbgrader export` and formgrader run there see that class."""
    folder = Path(folder).resolve()
    return (
        '"""nbgrader settings of the class graded into this folder (written by `autograder demo`).\n\n'
        "Run nbgrader's commands here (`nbgrader export`, formgrader in `jupyter lab`): they read this\n"
        'folder\'s gradebook, submitted/, autograded/ and feedback/, and the course\'s own notebooks.\n"""\n'
        f"load_subconfig({json.dumps(str(root / CONFIG_FILE))})  # noqa: F821 (nbgrader provides it)\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {json.dumps(str(folder))}\n"
        f"c.CourseDirectory.db_url = {json.dumps('sqlite:///' + str(folder / 'gradebook.db'))}\n"
        f"c.CourseDirectory.source_directory = {json.dumps(str(root / 'solutions'))}\n"
        f"c.CourseDirectory.release_directory = {json.dumps(str(root / 'assignments'))}\n"
    )
