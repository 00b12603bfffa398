"""Read a notebook and locate the code worth running, without running any of it.

Submissions are untrusted and often broken: not JSON, ``{}``, rebuilt without nbgrader
metadata, a syntax error in one cell, 30 MB of outputs. Reading is tolerant (outputs are never
looked at) and locating is per cell and per statement, so a broken cell costs only what it
defines. Only definitions are kept (imports, functions, classes, assignments of literals), and
nbgrader test cells are skipped: demo cells that train or plot cost nothing, and the checks
(hidden ones included, in an autograded copy) never run in the sandbox.
"""
from __future__ import annotations

import ast
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .submissions import UnreadableFile, read_regular

MAX_NOTEBOOK_BYTES = 40 * 2**20   # 30 MB of outputs fit; the worst 40 MB of JSON parses in 1.5 s, 1.1 GB
MAX_CELL_CHARS = 200_000
MAX_CODE_CHARS = 500_000   # in all code cells together; a complete notebook has about 25,000
MAX_CODE_CELLS = 1_000     # a complete notebook has about 40
#: Cells located once per process and remembered, by their source: the cells a class has in
#: common (imports, given helpers, demos) are most of the parsing. Bounded: at most MEMO_CELLS
#: cells of at most MEMO_CHARS characters each.
MEMO_CELLS, MEMO_CHARS = 512, 20_000
_MAGIC = re.compile(r"^\s*[%!]")
# Indentation only ([ \t\f], never \s): a `\s*` that may cross newlines makes the search
# quadratic on a cell of blank lines.
_DEF = re.compile(r"^[ \t\f]*def[ \t\f]+([A-Za-z_]\w*)[ \t\f]*\(", re.MULTILINE)


class NotebookError(Exception):
    """The file is not a notebook we can read; the message says why, for the student."""


@dataclass(frozen=True)
class CodeCell:
    number: int              # 1-based position among all cells, as a student counts them
    source: str
    metadata: dict

    @property
    def nbgrader(self) -> dict:
        meta = self.metadata.get("nbgrader")
        return meta if isinstance(meta, dict) else {}

    @property
    def is_test(self) -> bool:
        """An nbgrader test cell: the instructor's checks, never where a student's code lives."""
        return bool(self.nbgrader.get("grade")) and not self.nbgrader.get("solution")

    @property
    def label(self) -> str:
        return f"cell {self.number}"


def _text(source) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return ""


def read_notebook(path: Path, root: Path | None = None) -> list[CodeCell]:
    """The code cells of a notebook file (nbformat 3 or 4), outputs ignored.

    The file must be a regular file of at most MAX_NOTEBOOK_BYTES reached from ``root`` (the
    submissions folder; by default the file's own folder) through no link: see read_regular.
    Anything unusable, from a link to a file that is not JSON, raises NotebookError.
    """
    try:
        data = read_regular(path, root or Path(path).parent, MAX_NOTEBOOK_BYTES)
    except UnreadableFile as error:
        raise NotebookError(str(error)) from None
    return parse_notebook(data)


def parse_notebook(data: bytes) -> list[CodeCell]:
    """The code cells of a notebook's bytes; anything that is not a notebook raises NotebookError."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise NotebookError("the file is not a valid notebook (it is not JSON); "
                            "download it again from Jupyter with File > Save") from None
    if not isinstance(document, dict):
        raise NotebookError("the file is JSON but not a notebook")
    cells = document.get("cells")
    if cells is None and isinstance(document.get("worksheets"), list):  # nbformat 3
        cells = [c for sheet in document["worksheets"] if isinstance(sheet, dict)
                 and isinstance(sheet.get("cells"), list) for c in sheet["cells"]]
    if not isinstance(cells, list):
        raise NotebookError("the file is JSON but has no notebook cells")
    code = []
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = _text(cell.get("source", cell.get("input", "")))
            metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
            code.append(CodeCell(number, source, metadata))
    return code


_LITERAL = (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp,
            ast.unaryop, ast.operator, ast.expr_context)


def _keeps(node: ast.stmt) -> bool:
    """Definitions run at load time; anything that computes or reads state (calls, names, loops,
    plots) does not, so a demo cell can neither slow grading down nor fail it."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return all(isinstance(t, ast.Name) for t in targets) and (
            isinstance(node.value, ast.Lambda)
            or all(isinstance(n, _LITERAL) for n in ast.walk(node.value)))
    return False


@dataclass
class Located:
    statements: list[tuple[str, str]]   # (label, source) to exec in order
    problems: list[str]                 # readable notes for the student
    defined: set[str]                   # functions found by name


@dataclass(frozen=True)
class _Definitions:
    """What one cell's source holds: the statements to run and the functions among them, or
    why it does not parse (an exception's name, line, message, and the functions it loses)."""
    statements: tuple[str, ...] = ()
    defined: tuple[str, ...] = ()
    error: tuple[str, int | None, str, tuple[str, ...]] | None = None


def _definitions(source: str) -> _Definitions:
    # Magics and shell escapes become blank lines so line numbers stay right.
    source = "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return _Definitions(error=(type(error).__name__, getattr(error, "lineno", None),
                                   getattr(error, "msg", type(error).__name__), tuple(sorted(set(_DEF.findall(source))))))
    lines = source.splitlines()
    kept = [node for node in tree.body if _keeps(node)]
    return _Definitions(
        tuple("\n".join(lines[min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1:
                               node.end_lineno]) for node in kept),
        tuple(node.name for node in kept if isinstance(node, ast.FunctionDef)))


_remembered = functools.lru_cache(maxsize=MEMO_CELLS)(_definitions)


def locate(cells: list[CodeCell]) -> Located:
    """Pick the definitions out of each cell; a cell that does not parse is reported, not fatal."""
    located = Located([], [], set())
    budget = MAX_CODE_CHARS     # locating costs about 8 s per million characters of code
    for count, cell in enumerate((cell for cell in cells if not cell.is_test), start=1):
        if len(cell.source) > MAX_CELL_CHARS:
            located.problems.append(f"{cell.label} is longer than {MAX_CELL_CHARS} characters "
                                    "and was skipped")
            continue
        if count > MAX_CODE_CELLS or len(cell.source) > budget:
            located.problems.append(f"{cell.label} and the cells after it were not run: a notebook may "
                                    f"have at most {MAX_CODE_CELLS} code cells and {MAX_CODE_CHARS} "
                                    "characters of code")
            break
        budget -= len(cell.source)
        found = (_remembered if len(cell.source) <= MEMO_CHARS else _definitions)(cell.source)
        if found.error:
            kind, line, message, lost = found.error
            note = f"{cell.label} has a {kind}{f' on line {line}' if line else ''} ({message}); it was not run"
            if lost:
                note += f", so {', '.join(lost)} could not be graded"
            located.problems.append(note)
            continue
        located.statements.extend((cell.label, statement) for statement in found.statements)
        located.defined.update(found.defined)
    return located
