"""`autograder grade` through its real command line, on a class with every kind of bad input
and an attacker: scores land in a real nbgrader gradebook, nothing is lost or doubled,
feedback leaks nothing, and a killed run can simply be run again."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.gradebook import scores
from autograder.pipeline import AssignmentGrader
from autograder.samples import answered_release, write_sample_class, write_submission
from autograder.sandbox.host import unavailable
from helpers import VENV_BIN, environment, leftovers, nbgrader_export, row_counts, run, sandbox_processes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assignment(course):
    """The command line is the same for every assignment: these tests drive it on the first."""
    return course.assignment("shallow_network")


@pytest.fixture(scope="module")
def grader(course, assignment):
    """The trusted grader alone: no sandbox of this session may count as the run's leftover."""
    return AssignmentGrader(course, assignment)
SOLUTIONS = sorted((COURSE_ROOT / "solutions").rglob("*.ipynb"))


def _digest(paths) -> str:
    return hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()


def _tampered(assignment) -> dict:
    """Grade cells deleted or given 100 points: points must still come from the source."""
    notebook = answered_release(assignment)
    cells = []
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == "check_layer_sizes":
            continue
        if meta.get("grade") and not meta.get("solution"):
            meta["points"] = 100
        cells.append(cell)
    notebook["cells"] = cells
    return notebook


def _huge_outputs(assignment) -> dict:
    notebook = answered_release(assignment)
    notebook["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "#" * 30_000_000}]
    return notebook


def extra_students(assignment) -> dict[str, tuple[str, object]]:
    name = assignment.notebook
    return {
        "empty_json": (name, "{}"),
        "tampered_points": (name, _tampered(assignment)),
        "huge_outputs": (name, _huge_outputs(assignment)),
        "学生01": (name, answered_release(assignment)),
    }


def grade(course_dir: Path, *extra: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return run("autograder", "grade", "shallow_network", "--submissions", str(course_dir / "submitted"),
               "--gradebook", str(course_dir / "gradebook.db"), "--feedback", str(course_dir / "feedback"),
               "--reports", str(course_dir / "reports"), *extra, cwd=course_dir, timeout=timeout)


def totals(db: Path) -> dict[str, float]:
    """Each student's total in the gradebook, to the 0.01 point feedback shows."""
    return {student: round(total, 2) for student, total in scores(db, "nn-from-scratch", "shallow_network").items()}


def counts(db: Path) -> tuple[int, int, int]:
    rows = row_counts(db, ("grade", "submitted_assignment", "student"))
    return rows["grade"], rows["submitted_assignment"], rows["student"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, assignment):
    course_dir = tmp_path_factory.mktemp("class")
    students = write_sample_class(course_dir / "submitted", assignment)
    for student, (notebook, content) in extra_students(assignment).items():
        write_submission(course_dir / "submitted" / student / assignment.id, notebook, content)
        students.append(student)
    before, running = _digest(SOLUTIONS), set(sandbox_processes())
    done = grade(course_dir)
    assert _digest(SOLUTIONS) == before, "a submission changed the solutions"
    return course_dir, sorted(students), done, running


def test_every_submission_is_graded_and_the_exit_status_is_0(graded):
    course_dir, students, done, _ = graded
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(totals(course_dir / "gradebook.db")) == students
    assert f"graded {len(students)} submissions" in done.stdout
    # formgrader opens graded notebooks from nbgrader's autograded/ layout beside the gradebook
    kept = {p.parts[-3] for p in (course_dir / "autograded").glob("*/shallow_network/shallow_network.ipynb")}
    assert kept == set(students)


def test_scores_are_what_each_submission_deserves(graded, assignment):
    course_dir, _, _, _ = graded
    score = totals(course_dir / "gradebook.db")
    full = assignment.total_points
    assert score["ada"] == score["zoë_no_metadata"] == score["学生01"] == score["huge_outputs"] == full
    assert score["ben_not_started"] == score["olaf_not_json"] == score["empty_json"] == 0
    assert score["mallory_attacks"] == 0
    # a grade cell deleted and the others set to 100 points: the source's points, layer_sizes still graded
    assert score["tampered_points"] == full
    # one mistake costs its own exercise (and at most the exercises that call it)
    assert score["chen"] == full - 0.5
    assert score["gus_syntax_error"] == full - assignment.exercises["backward_propagation"] \
        - assignment.exercises["nn_model"]
    assert score["fay_renamed"] == full - assignment.exercises["predict"]


def test_nbgrader_export_sees_the_scores(graded):
    course_dir, students, _, _ = graded
    rows = list(nbgrader_export(course_dir / "gradebook.db", "nn-from-scratch").values())
    exported = {row["student_id"]: float(row["raw_score"]) for row in rows}
    assert exported == totals(course_dir / "gradebook.db")
    assert {float(row["max_score"]) for row in rows} == {11.0}
    penalties = {row["student_id"]: float(row["late_submission_penalty"]) for row in rows}
    assert penalties.pop("emil") == round(0.1 * exported["emil"], 2) > 0   # 3 h late: one started day
    assert set(penalties.values()) == {0.0}


def test_bad_inputs_get_a_clear_message_in_their_feedback(graded):
    course_dir, _, _, _ = graded

    def page(student):
        return (course_dir / "feedback" / student / "shallow_network" / "shallow_network.html").read_text()
    assert "not a valid notebook (it is not JSON)" in page("olaf_not_json")
    assert "no notebook cells" in page("empty_json")
    assert "SyntaxError" in page("gus_syntax_error") and "backward_propagation could not be graded" in page("gus_syntax_error")
    assert "shallow_network-Copy1.ipynb was graded instead" in page("fay_renamed")
    assert "not implemented yet" in page("ben_not_started")
    assert "took longer than the 5 s time limit" in page("mallory_attacks")


def test_feedback_and_report_leak_nothing_hidden(graded, grader):
    course_dir, students, _, _ = graded
    pages = "\n".join(p.read_text() for p in (course_dir / "feedback").rglob("*.html"))
    pages += (course_dir / "reports" / "shallow_network" / "report.html").read_text()
    assert (course_dir / "reports" / "shallow_network" / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    grader_source = (COURSE_ROOT / "autograder" / "assignments" / "shallow_network").glob("*.py")
    for path in grader_source:
        for line in path.read_text().splitlines():
            code = line.strip()
            if len(code) > 25 and not code.startswith(("#", '"', "'")) and "HINTS" not in code:
                assert code not in pages, f"grader code leaked: {code}"
    # no expected value of a hidden case: the reference's answers on the random cases
    from autograder.assignments.shallow_network import cases
    inputs = cases.problem(3, 4, 5, seed=2)
    A2, _ = grader.reference.forward_propagation(inputs["X"], inputs["parameters"])
    for value in A2.ravel():
        assert f"{value:.4f}" not in pages


def test_class_report_ranks_real_mistakes_and_flags_the_attack(graded):
    """Common mistakes are the diagnosed ones of students who attempted the exercise; stubs,
    unreadable files and the attack are listed apart, the attack first and flagged."""
    course_dir, _, _, _ = graded
    html = (course_dir / "reports" / "shallow_network" / "report.html").read_text(encoding="utf-8")
    mistakes = html[html.index("<h2>Common mistakes"):html.index("<h2>Nothing to grade")]
    assert "the hidden layer uses tanh" in mistakes and "gradient descent subtracts" in mistakes
    assert "not implemented yet" not in mistakes and "not JSON" not in mistakes and "PermissionError" not in mistakes
    flagged = html[html.index("Flagged for review"):html.index("<h2>Final scores")]
    assert "mallory_attacks" in flagged and "Operation not permitted" in flagged and "ada" not in flagged
    assert "Not started (1)</strong>" in html and "Unreadable (2)</strong>" in html   # not JSON, {}


def test_attacks_leave_no_process_behind(graded):
    """Every sandbox process the run started is gone (sandboxes of this test session are not its)."""
    assert leftovers(graded[3], seconds=5) == {}


def test_grading_again_changes_nothing(graded):
    course_dir, _, _, _ = graded
    db = course_dir / "gradebook.db"
    before, rows = totals(db), counts(db)
    assert grade(course_dir).returncode == 0
    assert totals(db) == before
    assert counts(db) == rows


def test_a_run_killed_with_sigkill_completes_when_run_again(tmp_path, assignment):
    submitted = tmp_path / "submitted"
    answered = answered_release(assignment)
    for index in range(24):
        write_submission(submitted / f"s{index:02}" / assignment.id, assignment.notebook, answered)
    command = [str(VENV_BIN / "autograder"), "grade", "shallow_network", "--submissions", str(submitted),
               "--gradebook", str(tmp_path / "gradebook.db"), "--feedback", str(tmp_path / "feedback"),
               "--reports", str(tmp_path / "reports"), "--workers", "1"]
    process = subprocess.Popen(command, cwd=tmp_path, env=environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((tmp_path / "feedback").glob("*"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    recorded = totals(tmp_path / "gradebook.db") if (tmp_path / "gradebook.db").exists() else {}
    assert len(recorded) < 24, "the run finished before it could be killed"
    done = subprocess.run(command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = totals(tmp_path / "gradebook.db")
    assert final == {f"s{index:02}": assignment.total_points for index in range(24)}
    assert counts(tmp_path / "gradebook.db") == (24 * len(assignment.exercises), 24, 24)


def test_a_missing_submissions_folder_is_a_clear_error(tmp_path):
    done = run("autograder", "grade", "shallow_network", "--submissions", str(tmp_path / "nope"), cwd=tmp_path)
    assert done.returncode == 2
    assert "no submissions folder" in done.stderr


def test_a_flat_folder_of_notebooks_says_what_was_expected(tmp_path, assignment):
    write_submission(tmp_path / "flat", "ada.ipynb", answered_release(assignment))
    done = run("autograder", "grade", assignment.id, "--submissions", str(tmp_path / "flat"), cwd=tmp_path)
    assert done.returncode == 2
    assert "<student>/shallow_network/shallow_network.ipynb" in done.stderr and "a flat folder" in done.stderr


def test_regrading_one_student_keeps_the_whole_class_in_the_reports(graded, assignment):
    """--student regrades one submission; the class report, course report and scores.csv are
    still about everyone, and `autograder show` prints that student's checks and hints."""
    course_dir, students, _, _ = graded
    done = grade(course_dir, "--student", "chen")
    assert done.returncode == 0, done.stderr
    assert "graded 1 submission of shallow_network" in done.stdout
    rows = (course_dir / "reports" / assignment.id / "scores.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(students)
    course_rows = (course_dir / "reports" / "scores.csv").read_text(encoding="utf-8").splitlines()
    assert course_rows[0] == "student_id,shallow_network,total,max" and len(course_rows) == 1 + len(students)
    assert "chen,10.5,10.5,11" in course_rows and "emil,8.1,8.1,11" in course_rows  # final scores: late penalty
    assert "Every student, every assignment" in (course_dir / "reports" / "course.html").read_text(encoding="utf-8")
    shown = run("autograder", "show", assignment.id, "chen", "--reports", str(course_dir / "reports"))
    assert shown.returncode == 0, shown.stderr
    assert "10.5 / 11" in shown.stdout and "the cost must be averaged over the m examples" in shown.stdout
    missing = run("autograder", "show", assignment.id, "nobody", "--reports", str(course_dir / "reports"))
    assert missing.returncode == 2 and "graded: ada" in missing.stderr


def test_help_explains_the_contract():
    done = run("autograder", "grade", "--help")
    assert done.returncode == 0
    for option in ("--submissions DIR", "--gradebook FILE", "--workers N", "Exit 0"):
        assert option in done.stdout


#: Runs a command as on a kernel without Landlock: a seccomp filter (inherited by every process
#: it starts) answers the Landlock system calls with ENOSYS, as Linux before 5.13 does.
WITHOUT_LANDLOCK = """
import errno, os, sys, pyseccomp
rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
for name in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), name)
rules.load()
os.execv(sys.argv[1], sys.argv[1:])
"""


def test_without_bubblewrap_landlock_and_without_both_a_refusal(tmp_path, assignment):
    """bwrap hidden from PATH: auto grades under Landlock and says so everywhere; a required
    bubblewrap stops before recording; with Landlock gone too, grading refuses to start (and
    says what would fix it) unless --allow-unconfined is passed, then warns."""
    if unavailable("landlock"):
        pytest.skip(f"Landlock is unusable on this machine: {unavailable('landlock')}")
    write_submission(tmp_path / "submitted" / "ada" / assignment.id, assignment.notebook,
                     answered_release(assignment))
    env = {**environment(), "PATH": str(VENV_BIN)}
    base = [str(VENV_BIN / "autograder"), "grade", assignment.id, "--submissions",
            str(tmp_path / "submitted"), "--feedback", str(tmp_path / "feedback"),
            "--reports", str(tmp_path / "reports")]

    def grade(*options: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *base, *options], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)

    done = grade("--gradebook", str(tmp_path / "auto.db"))
    assert done.returncode == 0, done.stderr
    assert "(landlock isolation)" in done.stdout and "WARNING" not in done.stderr
    assert totals(tmp_path / "auto.db") == {"ada": assignment.total_points}
    page = tmp_path / "feedback" / "ada" / assignment.id / Path(assignment.notebook).with_suffix(".html")
    assert "(landlock isolation)" in page.read_text()
    report = (tmp_path / "reports" / assignment.id / "report.html").read_text()
    assert "<span class='big'>landlock</span><span class='muted'>isolation</span>" in report

    done = grade("--gradebook", str(tmp_path / "strict.db"), "--isolation", "bubblewrap")
    assert done.returncode == 2
    assert "bwrap is not installed" in done.stderr and "package 'bubblewrap'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "strict.db").exists()

    no_landlock = (sys.executable, "-c", WITHOUT_LANDLOCK)
    done = grade("--gradebook", str(tmp_path / "refused.db"), prefix=no_landlock)
    assert done.returncode == 2 and not (tmp_path / "refused.db").exists()
    message = " ".join(done.stderr.split())
    assert "cannot be confined" in message and "package 'bubblewrap'" in message
    assert "Linux 5.13 or later with Landlock enabled" in message and "--allow-unconfined" in message
    done = grade("--gradebook", str(tmp_path / "unconfined.db"), "--allow-unconfined", prefix=no_landlock)
    assert done.returncode == 0, done.stderr
    assert "WARNING" in done.stderr and "NOT confined" in done.stderr and "(none isolation)" in done.stdout
    assert totals(tmp_path / "unconfined.db") == {"ada": assignment.total_points}


def test_check_validates_the_course_and_reports_a_broken_one(tmp_path):
    done = run("autograder", "check")
    assert done.returncode == 0 and "source notebook and course.yaml agree" in done.stdout
    broken = tmp_path / "course.yaml"
    broken.write_text((COURSE_ROOT / "course.yaml").read_text().replace("predict: 1", "predict: 3"))
    done = run("autograder", "--course", str(broken), "check")
    assert done.returncode == 2
    assert "predict is worth 3 points in course.yaml but 1 in the grade cell" in done.stderr
    assert f"{broken} line " in done.stderr
