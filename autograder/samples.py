"""Build realistic submissions: the released notebook, answered, with chosen definitions replaced.

Used by `autograder demo` (each assignment's sample class) and by the mutation tests
(tests/mutants/): a submission is the student's release with every solution cell filled in
with the reference answer, except the definitions given — a function or a whole class ``"f"``,
or a method ``"Class.method"`` — whose code is spliced in place of the reference's. Hidden tests are never
in a built submission, as they are never in a student's.
"""
from __future__ import annotations

import ast
import json
import re
import textwrap
from datetime import timedelta
from pathlib import Path

from . import COURSE_ROOT, assignments
from .config import Assignment

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


#: What the demo class's attacker does inside one graded function, the same in every assignment:
#: each goes below that function's own header (see `attack`).
TAMPER = """    import glob
    np.allclose = lambda *args, **kwargs: True
    for path in glob.glob("/work/*/solutions/*/*.ipynb") + glob.glob("/root/**/gradebook.db", recursive=True):
        try:
            open(path, "a").write("UPDATE grade SET manual_score = 100;")
        except OSError:
            pass
"""
EXIT = """    import os
    os._exit(0)
"""
KILL_OTHERS = """    import os, signal
    for target in (os.getppid(), 0, -1, 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
"""
ENDLESS_LOOP = """    while True:
        pass
"""
HOARD_MEMORY = """    hoard = [bytearray(2**28) for _ in range(1000)]
"""
FORK_BOMB = """    import os
    while True:
        os.fork()
"""
PHONE_HOME = """    import socket
    socket.create_connection(("127.0.0.1", 22), timeout=1).sendall(b"grades please")
"""
FLOOD_OUTPUT = """    print("x" * 20_000_000)
"""


def attack(header: str, body: str, ending: str = "") -> str:
    """A definition for a sample's ATTACKS: the function's own header (its signature), one of
    the attacks above, then its own last line, if any (what it returns)."""
    return f"\n{header}\n{body}" + (f"    {ending}\n" if ending else "")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _solution_cells(cells: list[dict]) -> dict[str, dict]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def definition(tree: ast.Module, target: str) -> ast.FunctionDef | ast.ClassDef | None:
    """The definition of ``target`` at the top level of a cell: a function or a whole class "f",
    or a method "Class.method"."""
    owner, _, method = target.rpartition(".")
    body = tree.body
    if owner:
        body = next((node.body for node in tree.body if isinstance(node, ast.ClassDef) and node.name == owner), [])
    return next((node for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                 and node.name == (method or target)), None)


def splice(source: str, replacements: dict[str, str]) -> tuple[str, set[str]]:
    """``source`` with the definitions of some ``replacements`` targets replaced by their code
    (indented to fit), and the targets it defined. Replacing bottom-up keeps line numbers valid,
    and a replacement may itself be broken code (a syntax error is a realistic sample)."""
    tree = ast.parse(source)
    found = {target: node for target in replacements if (node := definition(tree, target))}
    lines = source.splitlines()
    for target, node in sorted(found.items(), key=lambda item: -item[1].lineno):
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        code = textwrap.indent(textwrap.dedent(replacements[target]).strip("\n"), " " * node.col_offset)
        lines[start:node.end_lineno] = code.splitlines()
    return "\n".join(lines), set(found)


def answered_release(assignment: Assignment, replacements: dict[str, str] | None = None,
                     root: Path = COURSE_ROOT, keep_stubs: bool = False) -> dict:
    """The release notebook with reference answers, except ``replacements`` (target -> code);
    with ``keep_stubs``, only the replacements are answered and the rest stay the stubs."""
    pending = dict(replacements or {})
    release = json.loads((root / "assignments" / assignment.id / assignment.notebook).read_text(encoding="utf-8"))
    answers = _solution_cells(_cells(root / "solutions" / assignment.id / assignment.notebook))
    for grade_id, cell in _solution_cells(release["cells"]).items():
        source = "".join((cell if keep_stubs else answers[grade_id])["source"])
        answer = "\n".join(line for line in source.splitlines() if not _MARKER.match(line))
        cell["source"], done = splice(answer, pending)
        for target in done:
            del pending[target]
    if pending:
        raise KeyError(f"no solution cell defines {sorted(pending)} in {assignment.notebook}")
    return release


def write_submission(folder: Path, notebook_name: str, content: dict | str | bytes) -> Path:
    """DIR/<student>/<assignment>/<notebook>: a notebook dict, or raw text/bytes for broken files."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / notebook_name
    if isinstance(content, dict):
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _without_metadata(notebook: dict) -> dict:
    """As if the student rebuilt the notebook by copy-pasting into a fresh one."""
    for cell in notebook["cells"]:
        cell["metadata"] = {}
    return notebook


def write_sample_class(submitted: Path, assignment: Assignment, root: Path = COURSE_ROOT) -> list[str]:
    """The demo class of one assignment, in nbgrader's submitted layout; returns the student ids.

    What every assignment's class has: a correct notebook, an untouched one, a notebook rebuilt
    without metadata, a file that is not JSON; and from the assignment's samples.py: MISTAKES
    (student -> {target: code}, typical errors and a syntax error), one of them handed in as a
    renamed copy (RENAMED), one student running ATTACKS (target -> code), and a student who
    hands in three hours LATE.
    """
    content = assignments.content(assignment.id, "samples")
    mistakes, attacks, renamed, late = content.MISTAKES, content.ATTACKS, content.RENAMED, content.LATE
    name = assignment.notebook
    release = (root / "assignments" / assignment.id / name).read_text(encoding="utf-8")
    samples = {
        "ada": (name, answered_release(assignment, root=root)),
        "ben_not_started": (name, release),
        **{student: (name, answered_release(assignment, changes, root=root))
           for student, changes in mistakes.items() if student != renamed},
        renamed: (name.replace(".ipynb", "-Copy1.ipynb"), answered_release(assignment, mistakes[renamed], root=root)),
        "mallory_attacks": (name, answered_release(assignment, attacks, root=root)),
        "olaf_not_json": (name, "this is not a notebook {"),
        "zoë_no_metadata": (name, _without_metadata(answered_release(assignment, root=root))),
    }
    for student, (notebook, content) in samples.items():
        folder = submitted / student / assignment.id
        write_submission(folder, notebook, content)
        # nbgrader collect's timestamp: everyone on time but one student, three hours late
        hours = 3 if student == late else -20
        (folder / "timestamp.txt").write_text(
            f"{assignment.due + timedelta(hours=hours):%Y-%m-%d %H:%M:%S.%f} UTC")
    return list(samples)
