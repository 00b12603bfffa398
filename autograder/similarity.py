"""`autograder similarity`: which submissions share code, exercise by exercise, as MOSS finds it.

Each exercise is compared on its own, on the student's definition of what it grades (a
function, a class or a method). The code is reprinted by Python (ast.unparse, docstrings dropped)
and reduced to its tokens, every name made "V" and every string "S", so renamed variables,
added comments and reformatting change nothing. Runs of K tokens are hashed and winnowed (Schleimer, Wilkerson
and Aiken 2003, the method of MOSS), so a moved statement keeps the fingerprints inside it.
Fingerprints of the released stub (signature, docstring) never count, nor any found in more
than ``common`` submissions (MOSS's -m: what the whole class writes alike is no evidence).

Submissions are hostile: they are read as grading reads them (bounded, never through a link,
definitions located without running anything), each definition is compared up to
MAX_CODE_CHARS, and every text from them is escaped on the page.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import io
import itertools
import keyword
import re
import textwrap
import tokenize
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import COURSE_ROOT
from .config import Assignment
from .feedback import html_page, write_atomic
from .notebook import CodeCell, NotebookError, locate, read_notebook
from .results import _HIDDEN
from .samples import definition
from .submissions import Submission

K = 10            # tokens of one fingerprinted run: shorter matches never count
WINDOW = 4        # winnowing window: every shared run of K + WINDOW - 1 tokens is found
COMMON = 10       # a fingerprint in more submissions than this is common code, not evidence
MAX_CODE_CHARS = 20_000   # of one definition; a complete one has at most about 3,000
TOP = 50          # pairs shown with their code on the page (the CSV lists every pair)
MIN_TOKENS = 3 * K   # pairs sharing fewer tokens rank last: short code looks alike by necessity


@dataclass
class Code:
    """One student's definition of one exercise, as tokens and fingerprints."""
    student_id: str
    text: str                            # as written, invisible characters shown as U+FFFD
    spans: list[tuple[int, int]]         # where each counted token is in text
    prints: dict[int, list[int]]         # fingerprint -> token positions its runs start at

    def covered(self, fingerprints) -> set[int]:
        """Token positions inside a run of one of ``fingerprints``."""
        return {start + offset for value in fingerprints for start in self.prints.get(value, ())
                for offset in range(K)}

    def without(self, excluded: set[int]) -> Code:
        return Code(self.student_id, self.text, self.spans,
                    {value: starts for value, starts in self.prints.items() if value not in excluded})


@dataclass(frozen=True)
class Match:
    exercise: str
    first: Code
    second: Code
    matched: tuple[set[int], set[int]]   # each one's tokens inside a shared run
    shares: tuple[float, float]          # each one's share of its fingerprinted tokens matched

    @property
    def tokens(self) -> int:
        """How many tokens the larger side has in shared runs."""
        return max(map(len, self.matched))

    @property
    def similarity(self) -> float:
        """The mean of the two shares: a copy is high on both sides; a short definition that
        happens to sit inside a longer, different one is high on one side only."""
        return sum(self.shares) / 2


@dataclass
class Similarity:
    assignment: Assignment
    matches: list[Match]                 # most similar first
    compared: int                        # submissions whose code was read
    unreadable: dict[str, str] = field(default_factory=dict)   # student -> why not
    common: int = COMMON


def _visible(text: str) -> str:
    """Control, format and private characters (which can hide or reorder code on screen) as
    U+FFFD, one for one, so positions stay those of the original."""
    return "".join("\ufffd" if char not in "\n\t" and unicodedata.category(char) in _HIDDEN else char
                   for char in text)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) of each token that counts: keywords, operators and numbers
    as written, every name "V", every string "S"; comments, newlines and indentation dropped."""
    starts = [0, *(found.end() for found in re.finditer("\n", text))]
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = tokenize.tok_name[token.type]
            if kind == "NAME":
                word = token.string if keyword.iskeyword(token.string) else "V"
            elif kind == "STRING" or kind.startswith("FSTRING"):
                word = "S"
            elif kind in ("NUMBER", "OP", "ERRORTOKEN"):
                word = token.string
            else:
                continue
            (row, column), (end_row, end_column) = token.start, token.end
            found.append((word, starts[row - 1] + column, starts[end_row - 1] + end_column))
    except (tokenize.TokenError, SyntaxError):
        pass    # cut code (MAX_CODE_CHARS): the tokens before the cut count
    return found


def _hash(words: list[str]) -> int:
    """A stable hash (the same in every process and run, unlike hash())."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(words).encode(), digest_size=8).digest(), "big")


def winnow(hashes: list[int], window: int | None = None) -> dict[int, int]:
    """position -> hash of the runs kept: the smallest hash of every window of ``window``
    consecutive runs (the rightmost of equal ones), so every shared stretch of K + window - 1
    tokens shares at least one kept run, with far fewer fingerprints than runs."""
    kept, window = {}, window or WINDOW
    for start in range(max(len(hashes) - window + 1, min(len(hashes), 1))):
        block = hashes[start:start + window]
        lowest = min(block)
        kept[start + len(block) - 1 - block[::-1].index(lowest)] = lowest
    return kept


def run_hashes(text: str) -> list[int]:
    words = [word for word, _, _ in tokens(canonical(text))]
    return [_hash(words[start:start + K]) for start in range(len(words) - K + 1)]


def canonical(code: str) -> str:
    """The code as Python itself reprints it (ast.unparse), without docstrings: comments,
    docstrings, layout, quotes and redundant parentheses gone, so only what the code does and
    how is left to compare."""
    try:
        tree = ast.parse(code)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
        return ast.unparse(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code     # cut by MAX_CODE_CHARS: compared as written


def fingerprint(student_id: str, code: str) -> Code:
    text = _visible(canonical(code[:MAX_CODE_CHARS]))
    prints: dict[int, list[int]] = {}
    for position, value in winnow(run_hashes(text)).items():
        prints.setdefault(value, []).append(position)
    return Code(student_id, text, [(start, end) for _, start, end in tokens(text)], prints)


def compare(exercise: str, first: Code, second: Code) -> Match | None:
    """What the two share, or None when no fingerprint is common to both."""
    shared = first.prints.keys() & second.prints.keys()
    if not shared:
        return None
    matched = (first.covered(shared), second.covered(shared))
    shares = tuple(len(part) / len(code.covered(code.prints)) for part, code in zip(matched, (first, second)))
    return Match(exercise, first, second, matched, shares)


def definitions(cells: list[CodeCell], targets: dict[str, str]) -> dict[str, str]:
    """exercise -> source of the last definition of its target ("f", "Class" or "Class.method")
    in the notebook's code cells, the one a kernel running them all would keep."""
    found = {}
    for _label, source in locate(cells).statements:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = source.splitlines()
        for exercise, target in targets.items():
            node = definition(tree, target)
            if node is not None:
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                found[exercise] = textwrap.dedent("\n".join(lines[start - 1:node.end_lineno]))
    return found


def targets_of(assignment: Assignment) -> dict[str, str]:
    """exercise -> what the notebook defines for it, as the hidden graders say."""
    from .pipeline import graders_for

    return {name: grader.target for name, grader in graders_for(assignment).items()}


def similar_pairs(assignment: Assignment, submissions: list[Submission], common: int = COMMON,
                  root: Path = COURSE_ROOT) -> Similarity:
    """Every pair of submissions that shares a fingerprint in some exercise, most similar first."""
    targets = targets_of(assignment)
    release = root / "assignments" / assignment.id / assignment.notebook
    stubs = definitions(read_notebook(release), targets)
    found = Similarity(assignment, [], 0, common=common)
    codes: dict[str, list[Code]] = {exercise: [] for exercise in targets}
    for submission in submissions:
        if submission.notebook is None:
            found.unreadable[submission.student_id] = (submission.problems or ["no notebook"])[-1]
            continue
        try:
            written = definitions(read_notebook(submission.notebook, submission.root), targets)
        except NotebookError as error:
            found.unreadable[submission.student_id] = str(error)
            continue
        found.compared += 1
        for exercise, code in written.items():
            codes[exercise].append(fingerprint(submission.student_id, code))
    for exercise, written in codes.items():
        counts = Counter(value for code in written for value in code.prints)
        excluded = set(run_hashes(stubs.get(exercise, ""))) | {value for value, n in counts.items() if n > common}
        written = [code.without(excluded) for code in written]
        found.matches += [match for first, second in itertools.combinations(written, 2)
                          if (match := compare(exercise, first, second))]
    order = list(targets)
    found.matches.sort(key=lambda m: (m.tokens < MIN_TOKENS, -m.similarity, -m.tokens, order.index(m.exercise),
                                      m.first.student_id, m.second.student_id))
    return found


# ---------------------------------------------------------------- the page and the CSV

_STYLE = """
main { max-width: 1280px; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.pair pre { margin: 0; padding: 10px; background: var(--bg); border-radius: 6px; overflow-x: auto;
            font: 13px/1.45 ui-monospace, Menlo, Consolas, monospace; white-space: pre; }
mark { background: #ffe08a; color: inherit; }
"""


def write_similarity_report(found: Similarity, out_dir: Path, top: int = TOP) -> Path:
    """<out_dir>/<assignment>/similarity.html (the ``top`` pairs, code side by side) and
    similarity.csv (every pair that shares a fingerprint)."""
    folder = Path(out_dir) / found.assignment.id
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "similarity.csv", _csv(found).encode("utf-8"))
    page = folder / "similarity.html"
    write_atomic(page, _html(found, top).encode("utf-8"))
    return page


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _csv(found: Similarity) -> str:
    from .report import spreadsheet_safe   # matplotlib, which the command line need not wait for

    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["rank", "exercise", "similarity", "student_a", "share_a", "student_b", "share_b",
                     "matched_tokens"])
    for rank, match in enumerate(found.matches, start=1):
        writer.writerow([rank, match.exercise, _percent(match.similarity),
                         spreadsheet_safe(match.first.student_id), _percent(match.shares[0]),
                         spreadsheet_safe(match.second.student_id), _percent(match.shares[1]),
                         match.tokens])
    return handle.getvalue()


def _marked(code: Code, matched: set[int]) -> str:
    """The code, escaped, each run of matched tokens in <mark>."""
    pieces, at = [], 0
    for run in _runs(sorted(position for position in matched if position < len(code.spans))):
        start, end = code.spans[run[0]][0], code.spans[run[-1]][1]
        pieces += [escape(code.text[at:start]), f"<mark>{escape(code.text[start:end])}</mark>"]
        at = end
    return "".join(pieces) + escape(code.text[at:])


def _runs(positions: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for position in positions:
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def _html(found: Similarity, top: int) -> str:
    assignment, shown = found.assignment, found.matches[:top]
    header = (f"<header><p class='muted'>Similarity report · <code>{escape(assignment.id)}</code></p>"
              f"<h1>{escape(assignment.title)}</h1><div class='stats'>"
              + "".join(f"<div><span class='big'>{value}</span><span class='muted'>{label}</span></div>"
                        for label, value in (("submissions compared", found.compared),
                                             ("exercises", len(assignment.exercises)),
                                             ("pairs sharing code", len(found.matches))))
              + "</div><p class='muted'>Each exercise is compared on its own. Names, comments, docstrings, "
              f"strings and layout are ignored; runs of {K} tokens are fingerprinted (winnowing, as MOSS does); the "
              f"released stub and code found in more than {found.common} submissions do not count; pairs sharing "
              f"fewer than {MIN_TOKENS} tokens come last (short code looks alike by necessity). "
              "Similarity is the mean of the two shares of code found in the other. Code is shown as compared: "
              "reprinted by Python, without comments and docstrings. A high score is a "
              "reason to read both notebooks, not proof of copying.</p></header>")
    rows = "".join(
        f"<tr><td class='num'><a href='#pair-{rank}'>{rank}</a></td><td><code>{escape(m.exercise)}</code></td>"
        f"<td class='num'><b>{_percent(m.similarity)}</b></td>"
        f"<td>{escape(m.first.student_id)} <span class='muted'>({_percent(m.shares[0])})</span></td>"
        f"<td>{escape(m.second.student_id)} <span class='muted'>({_percent(m.shares[1])})</span></td>"
        f"<td class='num'>{m.tokens}</td></tr>"
        for rank, m in enumerate(shown, start=1))
    table = ("<section><h2>Most similar pairs</h2>"
             + (f"<table><tr><th class='num'>#</th><th>Exercise</th><th class='num'>Similarity</th>"
                f"<th>Student (share)</th><th>Student (share)</th><th class='num'>Matched tokens</th></tr>{rows}</table>"
                if shown else "<p class='muted'>No two submissions share code beyond the stub and common code.</p>")
             + (f"<p class='muted'>{len(found.matches) - len(shown)} more pairs are in "
                "<code>similarity.csv</code>.</p>" if len(found.matches) > len(shown) else "")
             + "</section>")
    details = "".join(
        f"<section id='pair-{rank}'><div class='head'><h2>{rank}. <code>{escape(m.exercise)}</code></h2>"
        f"<span class='pill part'>{_percent(m.similarity)}</span></div><div class='pair'>"
        + "".join(f"<div><p class='sub'><b>{escape(code.student_id)}</b> "
                  f"<span class='muted'>{_percent(share)} matched</span></p><pre>{_marked(code, matched)}</pre></div>"
                  for code, matched, share in zip((m.first, m.second), m.matched, m.shares))
        + "</div></section>"
        for rank, m in enumerate(shown, start=1))
    unreadable = ("<section><h2>Not compared</h2><table><tr><th>Student</th><th>Why</th></tr>"
                  + "".join(f"<tr><td>{escape(student)}</td><td class='wrap'>{escape(why)}</td></tr>"
                            for student, why in sorted(found.unreadable.items()))
                  + "</table></section>") if found.unreadable else ""
    return html_page(f"Similarity: {assignment.title}", f"<style>{_STYLE}</style>" + header + table + details + unreadable)
