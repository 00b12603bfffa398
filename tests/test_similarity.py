"""`autograder similarity`: planted copies — local names renamed, independent statements
swapped, comments and blank lines added — rank above every pair of independent honest solutions
(the reference and the honest variants of tests/mutants), exercise by exercise, in every
assignment; the stub and common code do not count; hostile text is escaped."""
from __future__ import annotations

import ast
import io
import json
import re
import tokenize

import pytest

from autograder import COURSE_ROOT
from autograder.notebook import parse_notebook
from autograder.samples import answered_release, write_submission
from autograder.similarity import (MIN_TOKENS, definitions, fingerprint, run_hashes, similar_pairs, targets_of,
                                   write_similarity_report)
from autograder.submissions import find_submissions
from conftest import COURSE
from helpers import run
from mutants import catalogue



def _stores(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    """Neither reads or writes what the other writes, and neither returns or controls flow."""
    if any(isinstance(s, (ast.Return, ast.If, ast.For, ast.While, ast.With, ast.Try, ast.Expr)) for s in (first, second)):
        return False
    return not (_stores(first) & (_loads(second) | _stores(second)) or _stores(second) & _loads(first))


def disguise(code: str) -> tuple[str, bool]:
    """A copy as a student hides it, edited as text: every local name renamed, the first two
    neighbouring statements (or methods) that do not depend on each other swapped, a comment
    above every other statement and after some, blank lines between statements. Returns the
    code and whether a swap was possible."""
    tree = ast.parse(code)
    defined = tree.body[0]
    functions = [f for f in ast.walk(defined) if isinstance(f, ast.FunctionDef)]
    parameters = {a.arg for f in functions for a in f.args.args + f.args.kwonlyargs + f.args.posonlyargs}
    renamed = {name: f"my_{name.lower()}_value" for name in _stores(defined) - parameters}
    lines = code.splitlines()
    swapped = False
    for body in [f.body for f in ast.walk(defined) if isinstance(f, (ast.FunctionDef, ast.ClassDef))]:
        pair = next((body[i:i + 2] for i in range(len(body) - 1)
                     if all(isinstance(s, ast.FunctionDef) for s in body[i:i + 2]) or _independent(*body[i:i + 2])), None)
        if pair:
            first, second = ([lines[s.lineno - 1:s.end_lineno]] for s in pair)
            lines[pair[0].lineno - 1:pair[1].end_lineno] = second[0] + lines[pair[0].end_lineno:pair[1].lineno - 1] + first[0]
            swapped = True
            break
    text = "\n".join(lines)
    edits = []   # renames, from the tokens of the swapped text
    previous = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string in renamed and previous != ".":
            edits.append((token.start, token.end, renamed[token.string]))
        previous = token.string if token.type == tokenize.OP else None
    lines = text.splitlines()
    for (row, column), (_, end), name in reversed(edits):
        lines[row - 1] = lines[row - 1][:column] + name + lines[row - 1][end:]
    outer = ast.parse("\n".join(lines)).body[0]
    statements = sorted({(node.lineno, node.end_lineno) for node in ast.walk(outer)
                         if isinstance(node, ast.stmt) and node is not outer}, reverse=True)
    for number, (first, last) in enumerate(statements):
        indent = re.match(r"\s*", lines[first - 1]).group()
        if first == last and not lines[first - 1].rstrip().endswith(":"):
            lines[first - 1] += "   # works"
        lines[first - 1:first - 1] = [""] + ([f"{indent}# my own step {number}"] if number % 2 else [])
    return "\n".join(lines), swapped


#: Honest variants made from the reference by a one-line edit: copies in all but name.
DERIVED = {"train_layers_drawn_last_first"}   # regularization: _train().replace(...)


def _release(assignment):
    return COURSE_ROOT / "assignments" / assignment.id / assignment.notebook


def _class(assignment):
    """student -> {target: code}, the planted (original, copy, exercise) triples and how many
    copies had two statements swapped.

    Independent students: "reference" answers everything with the reference; "honest_<i>"
    answers each exercise that has an i-th honest variant with it, and leaves the rest stubs.
    "copy_of_reference" and "copy_of_honest_1" hold a disguised copy of each of their
    exercises that is long enough to judge (2 * MIN_TOKENS fingerprinted beyond the stub)."""
    targets = targets_of(assignment)
    reference = definitions(parse_notebook(json.dumps(answered_release(assignment)).encode()), targets)
    stub = definitions(parse_notebook(_release(assignment).read_bytes()), targets)
    students: dict[str, dict[str, str]] = {"reference": {targets[e]: code for e, code in reference.items()}}
    count: dict[str, int] = {}
    for variant in catalogue(assignment.id).HONEST:
        if variant.id not in DERIVED:
            count[variant.exercise] = count.get(variant.exercise, 0) + 1
            students.setdefault(f"honest_{count[variant.exercise]}", {})[targets[variant.exercise]] = variant.code
    exercise_of = {target: exercise for exercise, target in targets.items()}
    planted, swaps = [], 0
    for original in ("reference", "honest_1"):
        for target, code in students[original].items():
            stub_runs = set(run_hashes(stub.get(exercise_of[target], "")))
            own = fingerprint("", code).without(stub_runs)
            if len(own.covered(own.prints)) < 2 * MIN_TOKENS:
                continue
            copy, swapped = disguise(code)
            swaps += swapped
            students.setdefault(f"copy_of_{original}", {})[target] = copy
            planted.append((original, f"copy_of_{original}", exercise_of[target]))
    return students, planted, swaps


def _write_class(assignment, students, folder):
    for student, codes in students.items():
        write_submission(folder / student / assignment.id, assignment.notebook,
                         answered_release(assignment, codes, keep_stubs=True))


def _pair(match) -> tuple[str, frozenset]:
    return match.exercise, frozenset((match.first.student_id, match.second.student_id))


@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_planted_copies_rank_above_independent_honest_solutions(assignment_id, tmp_path):
    assignment = COURSE.assignment(assignment_id)
    students, planted, swaps = _class(assignment)
    assert len(planted) >= 5 and swaps >= 3, (planted, swaps)
    _write_class(assignment, students, tmp_path)
    found = similar_pairs(assignment, find_submissions(tmp_path, assignment))
    copies = {(exercise, frozenset((a, b))) for a, b, exercise in planted}
    ranked = [_pair(match) for match in found.matches]
    assert copies <= set(ranked), copies - set(ranked)
    assert set(ranked[:len(copies)]) == copies, [(m.exercise, m.first.student_id, m.second.student_id,
                                                  round(m.similarity, 2)) for m in found.matches[:len(copies) + 3]]
    independent = next((m for m in found.matches if _pair(m) not in copies), None)
    lowest = found.matches[len(copies) - 1]
    print(f"\n{assignment_id}: {len(copies)} planted copies ({swaps} with swapped statements) ranked "
          f"1-{len(copies)}, down to {lowest.similarity:.0%} ({lowest.exercise}); the most similar "
          "independent pair: " + (f"{independent.similarity:.0%} ({independent.exercise}, {independent.first.student_id} "
                                   f"and {independent.second.student_id})" if independent else "none"))


def _notebook(assignment, **codes) -> dict:
    return answered_release(assignment, codes, keep_stubs=True)


SHALLOW = COURSE.assignment("shallow_network")
FORWARD = next(v.code for v in catalogue("shallow_network").HONEST if v.exercise == "forward_propagation")


def test_stub_and_common_code_do_not_count(tmp_path):
    """Untouched notebooks share only the stub: nothing is reported. Code that more than
    ``common`` submissions share is common code, not evidence."""
    for student in ("ann", "bob"):
        write_submission(tmp_path / student / SHALLOW.id, SHALLOW.notebook, _release(SHALLOW).read_text())
    assert similar_pairs(SHALLOW, find_submissions(tmp_path, SHALLOW)).matches == []
    for student in ("cat", "dan", "eve"):
        write_submission(tmp_path / student / SHALLOW.id, SHALLOW.notebook,
                         _notebook(SHALLOW, forward_propagation=FORWARD))
    found = similar_pairs(SHALLOW, find_submissions(tmp_path, SHALLOW), common=3)
    assert {_pair(m) for m in found.matches} == {("forward_propagation", frozenset(p))
                                                for p in (("cat", "dan"), ("cat", "eve"), ("dan", "eve"))}
    assert all(m.similarity == 1 for m in found.matches)
    assert similar_pairs(SHALLOW, find_submissions(tmp_path, SHALLOW), common=2).matches == []


def test_hostile_submissions_are_escaped_and_unreadable_ones_listed(tmp_path):
    """A student's code and folder name reach the page only escaped; characters that hide or
    reorder text never reach it as such; a file that is not a notebook is listed, not compared."""
    attack = FORWARD.replace("Z1 =", 'note = "</pre><script>alert(1)</script>\u202e"\n    Z1 =', 1)
    for student in ("<img src=x onerror=alert(1)>", "bob"):
        write_submission(tmp_path / student / SHALLOW.id, SHALLOW.notebook,
                         _notebook(SHALLOW, forward_propagation=attack))
    write_submission(tmp_path / "olaf" / SHALLOW.id, SHALLOW.notebook, "not a notebook {")
    found = similar_pairs(SHALLOW, find_submissions(tmp_path, SHALLOW))
    assert [_pair(m) for m in found.matches] == [("forward_propagation", frozenset(("<img src=x onerror=alert(1)>", "bob")))]
    assert set(found.unreadable) == {"olaf"} and found.compared == 2
    page = write_similarity_report(found, tmp_path / "reports").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page and "\u202e" not in page
    assert "&lt;/pre&gt;&lt;script&gt;" in page and "&lt;img src=x" in page and "\\u202e" in page
    assert "olaf" in page and "<mark>" in page
    assert "\u202e" not in fingerprint("x", 'def f(:\n    "\u202e"').text   # unparsable: shown as written


def test_command_line_writes_the_report(tmp_path):
    _write_class(SHALLOW, {"ann": {"forward_propagation": FORWARD},
                           "bob": {"forward_propagation": disguise(FORWARD)[0]},
                           "cat": {}}, tmp_path / "submitted")
    done = run("autograder", "similarity", SHALLOW.id, "--submissions", str(tmp_path / "submitted"),
               "--reports", str(tmp_path / "reports"), cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ann" in done.stdout and "bob" in done.stdout and "forward_propagation" in done.stdout
    rows = (tmp_path / "reports" / SHALLOW.id / "similarity.csv").read_text().splitlines()
    assert rows[1].startswith("1,forward_propagation,") and len(rows) == 2
    assert (tmp_path / "reports" / SHALLOW.id / "similarity.html").is_file()
