"""Files and names a student controls are hostile: links, FIFOs, devices, huge or deeply nested
files, names that are not UTF-8, texts made to flood a page. Each gets a clear problem and a
score; none blocks, crashes or leaks, and nothing outside the submissions folder is ever read."""
from __future__ import annotations

import dataclasses

import json
import os
import stat
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.feedback import path_part, write_atomic, write_feedback
from autograder.notebook import (MAX_CODE_CELLS, MAX_NOTEBOOK_BYTES, NotebookError, locate,
                                 parse_notebook, read_notebook)
from autograder.report import write_class_report
from autograder.results import MAX_PROBLEMS, MAX_TEXT, CaseResult, ExerciseResult, SubmissionResult
from autograder.samples import answered_release, write_submission
from autograder.submissions import (Submission, UnreadableFile, find_submissions, read_regular,
                                    safe_name)

NB = "shallow_network.ipynb"
SOLUTION = COURSE_ROOT / "solutions" / "shallow_network" / NB


@pytest.fixture(scope="module")
def assignment(course):
    """Reading files is the same for every assignment: these tests use the first."""
    return course.assignment("shallow_network")


def within(seconds: float, function, *args):
    """function(*args), failing (instead of hanging the suite) if it takes longer than seconds."""
    box: dict = {}

    def target():
        try:
            box["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed back to the test below
            box["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def student(root: Path, name: str | bytes = "ada") -> Path:
    folder = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name)))) / "shallow_network"
    folder.mkdir(parents=True)
    return folder


# --- reading one file --------------------------------------------------------------------------

@pytest.mark.parametrize("make, kind", [
    (lambda p: p.symlink_to(SOLUTION), "a symbolic link"),
    (lambda p: p.symlink_to("/proc/self/mem"), "a symbolic link"),
    (lambda p: os.mkfifo(p), "a named pipe"),
    (lambda p: p.mkdir(), "a folder"),
    (lambda p: os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5)), "a device"),  # /dev/zero
])
def test_only_regular_files_are_read(tmp_path, make, kind):
    path = student(tmp_path) / NB
    make(path)
    with pytest.raises(UnreadableFile, match=f"{NB} is {kind}, not a file"):
        within(5, read_regular, path, tmp_path, 1000)


def test_no_link_is_followed_at_any_level_below_the_root(tmp_path):
    real = student(tmp_path / "elsewhere")
    write_submission(real, NB, "{}")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "eve").symlink_to(real.parent)
    with pytest.raises(UnreadableFile, match="is a symbolic link, not a folder"):
        read_regular(tmp_path / "root" / "eve" / "shallow_network" / NB, tmp_path / "root", 1000)
    (tmp_path / "root" / "mal").mkdir()
    (tmp_path / "root" / "mal" / "shallow_network").symlink_to(real)
    with pytest.raises(UnreadableFile, match="symbolic link"):
        read_regular(tmp_path / "root" / "mal" / "shallow_network" / NB, tmp_path / "root", 1000)
    with pytest.raises(UnreadableFile, match="could not be read"):
        read_regular(tmp_path / "gone" / "ada" / NB, tmp_path / "gone", 1000)
    for outside in (tmp_path / "elsewhere" / "ada" / "shallow_network" / NB,
                    tmp_path / "root" / ".." / "elsewhere" / "ada" / "shallow_network" / NB):
        with pytest.raises(UnreadableFile, match="not inside the submissions folder"):
            read_regular(outside, tmp_path / "root", 1000)


def test_sizes_are_checked_before_reading(tmp_path):
    path = student(tmp_path) / NB
    with open(path, "wb") as handle:
        handle.truncate(250 * 2**20)             # sparse: the old reader spent a minute and 6 GB on this
    started = time.perf_counter()
    with pytest.raises(NotebookError, match="is 250 MB, more than the 40 MB limit"):
        read_notebook(path, tmp_path)
    assert time.perf_counter() - started < 1
    small = path.with_name("small")
    small.write_bytes(b"abc")
    assert read_regular(small, tmp_path, 3) == b"abc"
    with pytest.raises(UnreadableFile, match="is 3 bytes, more than the 2 bytes limit"):
        read_regular(small, tmp_path, 2)


def test_timestamps_that_block_or_flood_are_ignored(tmp_path):
    folder = student(tmp_path)
    os.mkfifo(folder / "timestamp.txt")
    assert within(5, lambda: Submission("ada", folder).submitted_at) is None
    (folder / "timestamp.txt").unlink()
    (folder / "timestamp.txt").write_bytes(b"2026-12-01 10:00:00 " * 1_000_000)   # 20 MB
    assert within(1, lambda: Submission("ada", folder).submitted_at) is None
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    assert Submission("ada", folder).submitted_at.isoformat() == "2026-12-01T10:00:00+00:00"


# --- choosing the notebook -----------------------------------------------------------------

def test_a_linked_notebook_is_refused_and_an_honest_copy_graded_instead(tmp_path, assignment):
    folder = student(tmp_path)
    (folder / NB).symlink_to(SOLUTION)
    [submission] = find_submissions(tmp_path, assignment)
    assert submission.notebook is None
    assert submission.problems == [f"{NB} is a symbolic link, not a file; the autograder reads only "
                                   "plain files in plain folders (no links)"]
    write_submission(folder, "shallow_network-Copy1.ipynb", "{}")
    (folder / "linked-Copy2.ipynb").symlink_to(SOLUTION)
    [submission] = find_submissions(tmp_path, assignment)
    assert submission.notebook == folder / "shallow_network-Copy1.ipynb"
    assert "so shallow_network-Copy1.ipynb was graded instead" in submission.problems[0]


def test_linked_student_and_assignment_folders_still_count_as_submissions(tmp_path, assignment):
    real = student(tmp_path / "elsewhere")
    write_submission(real, NB, "{}")
    root = tmp_path / "submitted"
    root.mkdir()
    (root / "eve").symlink_to(real.parent)
    (root / "mal").mkdir()
    (root / "mal" / "shallow_network").symlink_to(real)
    (root / "notes.txt").write_text("not a student")
    found = {s.student_id: s for s in find_submissions(root, assignment)}
    assert sorted(found) == ["eve", "mal"]
    assert all(s.notebook is None for s in found.values())
    assert "your submission folder is a symbolic link" in found["eve"].problems[0]
    assert "the folder shallow_network is a symbolic link" in found["mal"].problems[0]


def test_names_are_made_safe_distinct_and_usable_as_folders(tmp_path, assignment):
    names = [b"bad\xff", b"bad\xfe", b"bad%FF", "rtl\u202etxt.exe".encode(), b"new\nline", b"a\\b",
             "zoë".encode(), unicodedata.normalize("NFD", "zoë").encode(), b"x" * 255, b"x" * 254 + b"\xff"]
    for name in names:
        write_submission(student(tmp_path, name), NB, "{}")
    found = find_submissions(tmp_path, assignment)
    ids = [s.student_id for s in found]
    assert len(set(ids)) == len(names)
    assert {"bad%FF", "bad%FE", "bad%25FF", "rtl%E2%80%AEtxt.exe", "new%0Aline", "a%5Cb", "zoë"} < set(ids)
    for submission in found:
        assert path_part(submission.student_id) and len(submission.student_id.encode()) <= 200
        submission.student_id.encode("utf-8")   # no surrogates left
    twins = [s for s in found if unicodedata.normalize("NFC", s.student_id) == "zoë"]
    assert len(twins) == 2 and all("looks the same" in s.problems[-1] for s in twins)
    assert safe_name("学生 01-Copy1.ipynb") == "学生 01-Copy1.ipynb"


# --- parsing and locating ------------------------------------------------------------------

def test_deeply_nested_and_odd_json_is_a_problem_not_a_crash():
    with pytest.raises(NotebookError, match="not JSON"):
        parse_notebook(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(NotebookError, match="not JSON"):
        parse_notebook(b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert parse_notebook(b'{"worksheets": [{"cells": 5}, {"cells": "abc"}], "nbformat": 3}') == []


def test_locating_is_linear_on_a_cell_of_blank_lines():
    """The old `^\\s*def` search took 87 s on this cell (quadratic); now a few milliseconds."""
    [cell] = parse_notebook(json.dumps({"cells": [{"cell_type": "code", "metadata": {},
                                                   "source": "\n" * 190_000 + "def broken(:\n"}]}).encode())
    located = within(2, locate, [cell])
    assert "SyntaxError" in located.problems[0] and "broken could not be graded" in located.problems[0]


def test_the_code_worth_locating_is_bounded():
    cells = {"cells": [{"cell_type": "code", "metadata": {}, "source": f"v{i} = {i}"}
                       for i in range(MAX_CODE_CELLS + 500)]}
    located = locate(parse_notebook(json.dumps(cells).encode()))
    assert len(located.statements) == MAX_CODE_CELLS
    assert located.problems == [f"cell {MAX_CODE_CELLS + 1} and the cells after it were not run: a notebook "
                                f"may have at most {MAX_CODE_CELLS} code cells and 500000 characters of code"]
    big = {"cells": [{"cell_type": "code", "metadata": {}, "source": "a = 1\n" * 33_000}] * 5}
    located = within(10, locate, parse_notebook(json.dumps(big).encode()))
    assert len(located.statements) == 2 * 33_000 and "cell 3 and the cells after it" in located.problems[0]


def test_the_notebook_limit_leaves_room_for_honest_outputs():
    assert 35 * 2**20 < MAX_NOTEBOOK_BYTES <= 50 * 2**20


# --- results and pages ---------------------------------------------------------------------

def flood() -> SubmissionResult:
    """What a 440,000-key dict answer and a notebook of broken cells once made: 126 MB pages."""
    notice = "<h1>STAFF NOTICE</h1><a href='http://x'>regrade here</a>\u202e"
    hint = notice + "x" * 10 * 2**20
    cases = [CaseResult(f"c{i}", notice * 1000, 1.0, False, hint, hint) for i in range(3)]
    return SubmissionResult("mallory", "shallow_network", notice * 10**5,
                            [ExerciseResult("layer_sizes", "check_layer_sizes", 1.0, cases)],
                            [notice + "\x1b[2J" + "y" * 2**20] * 100_000)


def test_results_bound_and_clean_every_student_text():
    result = flood()
    assert len(result.problems) == MAX_PROBLEMS
    assert result.problems[-1] == f"… and {100_000 - MAX_PROBLEMS + 1} more problems"
    texts = [result.notebook, *result.problems] + [t for c in result.exercises[0].cases
                                                   for t in (c.hint, c.description, c.mistake)]
    assert all(len(text) <= MAX_TEXT and "\x1b" not in text and "\u202e" not in text for text in texts)
    again = SubmissionResult.from_dict(result.to_dict())   # the worker boundary changes nothing more
    assert again == result


def test_a_result_travels_as_plain_data_of_its_own():
    result = flood()
    record = result.to_dict()
    assert record == dataclasses.asdict(result)
    record["exercises"][0]["cases"][0]["hint"] = "changed"
    record["exercises"][0]["relies_on_failing"].append("sigmoid")
    record["problems"].append("added")
    assert result.exercises[0].cases[0].hint != "changed"
    assert result.exercises[0].relies_on_failing == [] and "added" not in result.problems


def test_flooded_results_make_small_escaped_pages(tmp_path, assignment):
    result = SubmissionResult.from_dict(flood().to_dict())
    page = write_feedback(result, tmp_path / "feedback", assignment.title, "shallow_network")
    report = write_class_report([result], tmp_path / "reports", assignment)
    for html in (page.read_text(encoding="utf-8"), report.read_text(encoding="utf-8")):
        assert len(html.encode()) < 200_000
        assert "<h1>STAFF" not in html and "&lt;h1&gt;STAFF NOTICE&lt;/h1&gt;" in html
        assert "<a href" not in html


def test_pages_are_replaced_atomically_and_never_through_a_link(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("keep me")
    (tmp_path / "page.html").symlink_to(secret)
    write_atomic(tmp_path / "page.html", b"new")
    assert secret.read_text() == "keep me"
    assert not (tmp_path / "page.html").is_symlink() and (tmp_path / "page.html").read_bytes() == b"new"
    assert stat.S_IMODE((tmp_path / "page.html").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "secret"]   # no temporary left


# --- through the real pipeline ---------------------------------------------------------------

def test_a_notebook_linked_to_the_solution_earns_nothing(graders, tmp_path, assignment):
    grader, sandbox = graders[assignment.id]
    folder = student(tmp_path)
    (folder / NB).symlink_to(SOLUTION)
    result = grader.grade(Submission("ada", folder, folder / NB), sandbox, tmp_path)   # chosen anyway
    assert result.score == 0 and "is a symbolic link" in result.problems[0]
    honest = write_submission(student(tmp_path, b"bad\xff"), NB, answered_release(assignment))
    [submission] = [s for s in find_submissions(tmp_path, assignment) if s.notebook]
    result = grader.grade(submission, sandbox, tmp_path)
    assert result.score == assignment.total_points and result.notebook == f"bad%FF/shallow_network/{NB}"
    assert submission.notebook == honest


# --- a whole class through the command line ----------------------------------------------------

HUGE_DICT = '''
def initialize_parameters(n_x, n_h, n_y):
    return {f"<b>k{i}</b>": i for i in range(100_000)}   # a 2 MB answer, quoted in the hint
'''


def write_hostile_class(root: Path, assignment, secret: Path) -> list[str | bytes]:
    """Every hostile file above, in nbgrader's layout, honest students among them; the folder names."""
    honest = answered_release(assignment)
    builders = {
        "honest": lambda f: write_submission(f, NB, honest),
        "link_solution": lambda f: (f / NB).symlink_to(SOLUTION),
        "link_secret": lambda f: (f / NB).symlink_to(secret),
        "link_mem": lambda f: (f / NB).symlink_to("/proc/self/mem"),
        "fifo_notebook": lambda f: os.mkfifo(f / NB),
        "folder_notebook": lambda f: (f / NB).mkdir(),
        "fifo_stamp": lambda f: (write_submission(f, NB, honest), os.mkfifo(f / "timestamp.txt")),
        "big_stamp": lambda f: (write_submission(f, NB, honest),
                                (f / "timestamp.txt").write_bytes(b"2026-12-01 " * 2_000_000)),
        "huge_notebook": lambda f: open(f / NB, "wb").truncate(250 * 2**20),
        "deep_json": lambda f: write_submission(f, NB, b"[" * 100_000 + b"]" * 100_000),
        "blank_lines": lambda f: write_submission(f, NB, answered_release(assignment, {
            "layer_sizes": "\n" * 190_000 + "def layer_sizes(:\n"})),
        "huge_hint": lambda f: write_submission(f, NB, answered_release(assignment, {
            "initialize_parameters": HUGE_DICT})),
        b"bytes\xff": lambda f: write_submission(f, NB, honest),
        "bad_notebook_name": lambda f: write_submission(f, os.fsdecode(b"shallow_network\xfe.ipynb"), honest),
        "zoë": lambda f: write_submission(f, NB, honest),
        unicodedata.normalize("NFD", "zoë"): lambda f: write_submission(f, NB, honest),
    }
    for name, build in builders.items():
        build(student(root, name))
    (root / "linked_folder").symlink_to(root / "honest")
    return [*builders, "linked_folder"]


@pytest.mark.slow
def test_a_class_of_hostile_files_is_graded_to_the_end(tmp_path, assignment):
    """The hostile class: exit 0, a gradebook row and a small page for everyone, full marks for
    the honest, and nothing from outside submitted/ copied to autograded/."""
    from test_grade_cli import grade, totals

    secret = tmp_path / "root_only.txt"
    secret.write_text("TOP SECRET")
    secret.chmod(0o600)
    names = write_hostile_class(tmp_path / "submitted", assignment, secret)
    done = grade(tmp_path, "--workers", "2", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ids = sorted(safe_name(os.fsdecode(name)) for name in names)
    score = totals(tmp_path / "gradebook.db")
    assert sorted(score) == ids
    full = assignment.total_points
    for name in ("honest", "fifo_stamp", "big_stamp", "bytes%FF", "bad_notebook_name", "zoë",
                 unicodedata.normalize("NFD", "zoë")):
        assert score[name] == full, name
    for name in ("link_solution", "link_secret", "link_mem", "fifo_notebook", "folder_notebook",
                 "huge_notebook", "deep_json", "linked_folder"):
        assert score[name] == 0, name
    assert 0 < score["blank_lines"] < full   # layer_sizes lost (and what calls it), the rest graded

    pages = {name: (tmp_path / "feedback" / name / "shallow_network" / "shallow_network.html") for name in ids}
    assert all(page.is_file() and page.stat().st_size < 200_000 for page in pages.values())
    assert "is a symbolic link, not a file" in pages["link_solution"].read_text()
    assert "is 250 MB, more than the 40 MB limit" in pages["huge_notebook"].read_text()
    assert "shallow_network%FE.ipynb was graded instead" in pages["bad_notebook_name"].read_text()
    assert "&lt;b&gt;k0&lt;/b&gt;" in pages["huge_hint"].read_text()
    report = tmp_path / "reports" / "shallow_network" / "report.html"
    assert report.stat().st_size < 400_000 and "<b>k0" not in report.read_text()
    assert "bytes%FF," in (tmp_path / "reports" / "shallow_network" / "scores.csv").read_text()

    kept = {p.relative_to(tmp_path / "autograded").parts[0]: p.read_bytes()
            for p in (tmp_path / "autograded").rglob("*.ipynb")}
    assert set(kept) == set(ids)   # formgrader opens every submission, unreadable ones as the blank assignment
    for name in ("link_solution", "link_secret", "link_mem", "huge_notebook"):
        assert b"could not be read as a notebook" in kept[name], name
    assert all(b"TOP SECRET" not in data and data != SOLUTION.read_bytes() for data in kept.values())
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in (tmp_path / "autograded").rglob("*.ipynb"))
