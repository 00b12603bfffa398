"""Reading and locating code is tolerant: broken input becomes a readable problem, not a crash."""
import json

import pytest

from autograder.notebook import NotebookError, locate, read_notebook


def notebook(tmp_path, *sources, metadata=None, name="nb.ipynb"):
    cells = [{"cell_type": "markdown", "source": "# title", "metadata": {}}]
    cells += [{"cell_type": "code", "source": s, "metadata": metadata or {}, "outputs": [],
               "execution_count": None} for s in sources]
    path = tmp_path / name
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.mark.parametrize("content, message", [
    (b"this is not json", "not JSON"),
    (b"{}", "no notebook cells"),
    (b"[1, 2]", "not a notebook"),
    (b"\xff\xfe\x00garbage", "not JSON"),
])
def test_unreadable_files_are_explained(tmp_path, content, message):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=message):
        read_notebook(path)


def test_only_definitions_are_kept_and_magics_ignored(tmp_path):
    cells = read_notebook(notebook(
        tmp_path,
        "%matplotlib inline\nimport numpy as np\nRATE = 1.2\nsigmoid = lambda z: 1 / (1 + np.exp(-z))",
        "def f(x):\n    return x + 1\n\nprint(f(1))\nresult = f(2)",
        "for i in range(10**9):\n    pass"))
    located = locate(cells)
    sources = [source for _, source in located.statements]
    assert sources == ["import numpy as np", "RATE = 1.2", "sigmoid = lambda z: 1 / (1 + np.exp(-z))",
                       "def f(x):\n    return x + 1"]
    assert located.defined == {"f"}
    assert located.problems == []


def test_a_syntax_error_costs_only_its_own_cell(tmp_path):
    located = locate(read_notebook(notebook(tmp_path, "def good():\n    return 1",
                                            "def broken(:\n    return 2", "def later():\n    return 3")))
    assert located.defined == {"good", "later"}
    [problem] = located.problems
    assert problem.startswith("cell 3 has a SyntaxError on line 1") and "broken could not be graded" in problem


def test_decorators_stay_with_their_function(tmp_path):
    located = locate(read_notebook(notebook(tmp_path, "@staticmethod\ndef f():\n    return 1")))
    assert located.statements == [("cell 2", "@staticmethod\ndef f():\n    return 1")]


def test_notebooks_without_nbgrader_metadata_and_nbformat_3(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"worksheets": [{"cells": [
        {"cell_type": "code", "input": ["def f():\n", "    return 1\n"], "metadata": {}}]}], "nbformat": 3}))
    assert locate(read_notebook(path)).defined == {"f"}
    assert locate(read_notebook(notebook(tmp_path, "def g():\n    pass"))).defined == {"g"}


def test_huge_outputs_are_not_a_problem(tmp_path):
    path = notebook(tmp_path, "def f():\n    return 1")
    document = json.loads(path.read_text())
    document["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * 30_000_000}]
    path.write_text(json.dumps(document))
    assert locate(read_notebook(path)).defined == {"f"}
