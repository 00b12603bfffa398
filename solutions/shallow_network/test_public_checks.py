"""Run the notebook's public checks with pytest, without opening Jupyter.

    pytest -q            (in this folder)

The notebook's code cells run in order in one namespace, much like "Restart & Run All", and
every check cell becomes one test named after its grade id. It needs numpy, matplotlib and
pytest, and scikit-learn in notebooks that load its digits. These are the same visible checks
as in the notebook: passing them is a good sign, but grading also runs hidden tests.
"""
import contextlib
import functools
import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw plots off-screen: no windows, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

HERE = Path(__file__).absolute().parent  # not resolve(): in solutions/ this file is a shared symlink
# In the instructor's copy each check cell ends with a block of hidden tests between nbgrader's
# BEGIN/END markers; it needs the grading package, so it is cut out (released copies lack it).
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN\s+TESTS.*?### END HIDDEN\s+TESTS", re.DOTALL)


def find_notebook():
    """The notebook named after this folder (<folder>.ipynb), or else the only notebook here."""
    preferred = HERE / f"{HERE.name}.ipynb"
    if preferred.exists():
        return preferred
    notebooks = sorted(HERE.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise FileNotFoundError(f"expected one notebook in {HERE}, found {len(notebooks)}")
    return notebooks[0]


def code_cells():
    """(position, grade_id or None, source) for every code cell, in notebook order."""
    notebook = json.loads(find_notebook().read_text(encoding="utf-8"))
    cells = []
    for position, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = nbgrader.get("grade_id") if nbgrader.get("grade") else None
        cells.append((position, grade_id, source))
    return cells


def runnable(source):
    """The cell's Python: any hidden-test block cut out, IPython magics (%...) and shell lines (!...) dropped."""
    source = HIDDEN_BLOCK.sub("", source)
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


@functools.cache
def run_notebook():
    """Run the code cells once, up to the last check cell (the demonstrations after it train and
    plot, and check nothing); return {grade_id: the exception its check cell raised, or None}."""
    namespace = {"__name__": "__main__"}
    outcomes = {}
    cells = code_cells()
    last_check = max((index for index, (_, grade_id, _) in enumerate(cells) if grade_id), default=-1)
    for position, grade_id, source in cells[:last_check + 1]:
        error = None
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the notebook's prints are not needed here
                exec(compile(runnable(source), f"<notebook cell {position}>", "exec"), namespace)
        except Exception as exc:  # a broken cell must not stop the cells after it
            error = exc
        finally:
            plt.close("all")
        if grade_id is not None:
            outcomes[grade_id] = error
    return outcomes


def raised_in(error):
    """Where the exception was raised: a function's name, or Class.method for a method."""
    where = error.__traceback__
    if where is None:
        return None
    while where.tb_next is not None:
        where = where.tb_next
    code = where.tb_frame.f_code
    return getattr(code, "co_qualname", code.co_name)  # co_qualname: Python 3.11+


GRADE_IDS = [grade_id for _, grade_id, _ in code_cells() if grade_id is not None]


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_public_checks(grade_id):
    error = run_notebook()[grade_id]
    if error is None:
        return
    exercise = grade_id.removeprefix("check_")
    if isinstance(error, NotImplementedError):
        culprit = raised_in(error)
        owner, _, name = (culprit or "").rpartition(".")
        # exercise "init" is the method __init__; a class exercise owns all of its methods
        if culprit in (None, "<module>") or exercise in (name, owner) or name == f"__{exercise}__":
            pytest.fail(f"{exercise} is not implemented yet", pytrace=False)
        pytest.fail(f"{exercise} could not be checked: {culprit} is not implemented yet", pytrace=False)
    if isinstance(error, AssertionError):
        pytest.fail(f"{exercise}: {error}", pytrace=False)
    hint = " (did the cell that defines it run without errors?)" if isinstance(error, NameError) else ""
    pytest.fail(f"{exercise}: the check cell raised {type(error).__name__}: {error}{hint}", pytrace=False)
