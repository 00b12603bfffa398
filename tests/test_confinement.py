"""The attacks reproduced on the grader, run by the real `autograder grade` in one batch per
isolation: with bubblewrap, with bubblewrap removed from PATH (Landlock), and unconfined.

Readers try to get at the course (the solutions notebook by absolute and relative paths, through
/proc/self/cwd and the cwd of every ancestor, the graders as a module, the hint table, the
gradebook, a classmate's notebook found from the worker's command line): each keeps its
(reference) functions only when its read worked, so a reader that gets nothing usable scores 0.
Saboteurs spend their loading time on the classmates graded at the same moment by the other
worker (signals to every pid, CPU limits set to 0, SIGIO through F_SETOWN and O_ASYNC,
priorities and affinities, a lock on the gradebook); the honest classmates must keep full marks.

Unconfined, the readers that need no /proc access do get through: the proof that each attack
works and the confined zeros come from the confinement.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder import COURSE_ROOT
from autograder.gradebook import scores
from autograder.samples import answered_release, write_submission
from autograder.sandbox.host import unavailable
from helpers import VENV_BIN, environment

pytestmark = pytest.mark.slow

ASSIGNMENT = "shallow_network"
SOLUTION = COURSE_ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

#: Every reader's extra cell: helpers, then a class body (run when the notebook is loaded) that
#: defines the reference functions only when ``_attempt()`` read what it was after. The notebook
#: is otherwise the untouched release: full marks if and only if the read worked.
_READER = '''
import os, sys
def _ancestors():
    pid, found = os.getpid(), []
    while pid > 1 and len(found) < 8:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                pid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            pid = os.getppid() if not found else 1
        found.append(pid)
    return found
def _readable(path, marker):
    try:
        with open(path, "rb") as file:
            return marker in file.read(2_000_000)
    except OSError:
        return False
{attempt}
class _Attack:
    try:
        stolen = _attempt()
    except Exception:
        stolen = False
    if stolen:
        exec(REFERENCE, globals())
'''

READERS = {
    "solutions_absolute": f'''
    def _attempt():
        return _readable({str(SOLUTION)!r}, b"### BEGIN SOLUTION")
''',
    "solutions_from_argv": '''
    def _attempt():
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0]))))
        return _readable(os.path.join(root, "solutions", "shallow_network", "shallow_network.ipynb"),
                        b"### BEGIN SOLUTION")
''',
    "solutions_relative": '''
    def _attempt():
        relative = "solutions/shallow_network/shallow_network.ipynb"
        checkout = os.path.join(COURSE.lstrip("/"), relative)
        return any(_readable("../" * up + path, b"### BEGIN SOLUTION")
                   for up in range(10) for path in (relative, checkout))
''',
    "solutions_proc_self_cwd": '''
    def _attempt():
        relative = "solutions/shallow_network/shallow_network.ipynb"
        return any(_readable(f"/proc/self/cwd/{'../' * up}{relative}", b"### BEGIN SOLUTION") for up in range(10))
''',
    "solutions_proc_ancestor_cwd": '''
    def _attempt():
        relative = "solutions/shallow_network/shallow_network.ipynb"
        return any(_readable(f"/proc/{pid}/cwd/{relative}", b"### BEGIN SOLUTION") for pid in _ancestors())
''',
    "grader_module": '''
    def _attempt():
        try:
            import autograder.reference
            return True
        except Exception:
            pass
        sys.path.insert(0, COURSE)
        try:
            import autograder.reference
            return hasattr(autograder.reference, "load_reference")
        except Exception:
            return False
''',
    "hint_table": '''
    def _attempt():
        return _readable(COURSE + "/autograder/assignments/shallow_network/mistakes.py", b"HINTS")
''',
    "gradebook": '''
    def _attempt():
        import time
        deadline = time.monotonic() + 3
        while not os.path.exists(GRADEBOOK) and time.monotonic() < deadline:
            time.sleep(0.1)
        return _readable(GRADEBOOK, b"SQLite format 3")
''',
    "classmate_from_cmdline": '''
    def _attempt():
        for pid in _ancestors():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    argv = file.read().decode().split("\\0")
            except OSError:
                continue
            if "--submissions" in argv:
                folder = argv[argv.index("--submissions") + 1]
                notebook = os.path.join(folder, "01_honest", "shallow_network", "shallow_network.ipynb")
                return _readable(notebook, b"def sigmoid")
        return False
''',
}

#: Every saboteur's extra cell: for SABOTAGE_SECONDS of its loading time it attacks every pid it
#: can name, then defines the reference functions only if every attempt was refused: full marks
#: if and only if the attack ran and achieved nothing.
SABOTAGE_SECONDS = 1.5
_SABOTEUR = '''
import ctypes, fcntl, os, resource, signal, time
def _pids():  # everyone near us but ourselves: the other worker's children, the workers, the grader
    me = os.getpid()
    return [pid for pid in range(max(1, me - 3000), me + 3000) if pid != me]
def _refused(attack):
    done = 0
    for pid in _pids():
        try:
            attack(pid)
            done += 1
        except OSError:
            pass
    return done == 0
{attacks}
class _Sabotage:
    deadline, refused = time.monotonic() + {seconds}, True
    while time.monotonic() < deadline:
        refused = all([_refused(attack) for attack in _attacks()]) and refused
    if refused:
        exec(REFERENCE, globals())
'''

SABOTEURS = {
    "kill_everyone": '''
    def _attacks():
        return [lambda pid: os.kill(pid, signal.SIGKILL), lambda pid: os.kill(-pid, signal.SIGKILL)]
    ''',
    "cpu_limit_zero": '''
    def _attacks():
        return [lambda pid: resource.prlimit(pid, resource.RLIMIT_CPU, (0, 0)),
                lambda pid: resource.prlimit(pid, resource.RLIMIT_AS, (1, 1))]
    ''',
    "sigio": '''
    _PIPE = []
    def _sigio(pid):
        if not _PIPE:
            _PIPE.extend(os.pipe())
        read_end, write_end = _PIPE
        for owner in (pid, -pid):
            fcntl.fcntl(read_end, fcntl.F_SETOWN, owner)
            fcntl.fcntl(read_end, 10, signal.SIGKILL)  # F_SETSIG
            fcntl.fcntl(read_end, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
            fcntl.ioctl(read_end, 0x5452, b"\\1\\0\\0\\0")  # FIOASYNC
            os.write(write_end, b"x")
            os.read(read_end, 1)
    def _attacks():
        return [_sigio]
    ''',
    "scheduling": '''
    def _ioprio_idle(pid):
        if ctypes.CDLL(None, use_errno=True).syscall(251, 1, pid, 3 << 13) != 0:  # ioprio_set(WHO_PROCESS, pid, idle)
            raise OSError(ctypes.get_errno(), "ioprio_set")
    def _attacks():
        return [lambda pid: os.setpriority(os.PRIO_PROCESS, pid, 19),
                lambda pid: os.sched_setaffinity(pid, {0}),
                lambda pid: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0)),
                _ioprio_idle]
    ''',
    "gradebook_lock": '''
    _HELD = []
    def _lock(pid):
        handle = open(GRADEBOOK, "rb")
        _HELD.append(handle)
        fcntl.lockf(handle, fcntl.LOCK_SH)
        fcntl.flock(handle, fcntl.LOCK_SH)
    def _pids():
        return [0]
    def _attacks():
        return [_lock]
    ''',
}


def _notebook(assignment, cell: str, gradebook: Path) -> dict:
    """The release (stubs) and one more cell, the attack, told where the course is and given the
    reference code it stands to gain."""
    notebook = json.loads((COURSE_ROOT / "assignments" / ASSIGNMENT / assignment.notebook).read_text())
    reference = "\n\n".join("".join(cell["source"]) for cell in answered_release(assignment)["cells"]
                             if cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
    prelude = (f"COURSE = {str(COURSE_ROOT)!r}\nGRADEBOOK = {str(gradebook)!r}\n"
               f"REFERENCE = {reference!r}\n")
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                              "source": prelude + textwrap.dedent(cell)})
    return notebook


def _dedented(code: str) -> str:
    return textwrap.dedent(code).strip("\n")


def _students() -> dict[str, str | None]:
    """student id -> attack cell (None for an honest student), interleaved so that every
    saboteur is graded while honest classmates are graded by the other worker."""
    attacks = {f"sabotage_{name}": _SABOTEUR.replace("{attacks}", _dedented(code)).replace(
                   "{seconds}", str(SABOTAGE_SECONDS)) for name, code in SABOTEURS.items()}
    attacks.update({f"read_{name}": _READER.replace("{attempt}", _dedented(code)) for name, code in READERS.items()})
    students: dict[str, str | None] = {"00_sabotage_kill_everyone": attacks.pop("sabotage_kill_everyone")}
    for number, (name, cell) in enumerate(attacks.items(), start=1):
        students[f"{2 * number:02d}_{name}"] = cell
        students[f"{2 * number - 1:02d}_honest"] = None
    return dict(sorted(students.items()))


@pytest.fixture(scope="module", params=["bubblewrap", "landlock", "none"])
def batch(request, course):
    """One real batch of the whole class under one isolation: {student: total}, the CLI run."""
    isolation = request.param
    assignment = course.assignment(ASSIGNMENT)
    env = environment()
    if isolation == "landlock":
        env["PATH"] = str(VENV_BIN)  # bubblewrap removed from PATH: auto must choose Landlock
    elif isolation == "bubblewrap" and unavailable("bubblewrap"):
        pytest.skip(f"bubblewrap is unusable here: {unavailable('bubblewrap')}")
    if isolation == "landlock" and unavailable("landlock"):
        pytest.skip(f"Landlock is unusable here: {unavailable('landlock')}")
    # A course folder others may enter, as a course folder usually is (pytest's tmp_path is not).
    folder = Path(tempfile.mkdtemp(prefix="confinement-"))
    folder.chmod(0o755)
    gradebook = folder / "gradebook.db"
    try:
        for student, cell in _students().items():
            content = answered_release(assignment) if cell is None else _notebook(assignment, cell, gradebook)
            write_submission(folder / "submitted" / student / ASSIGNMENT, assignment.notebook, content)
        options = {"bubblewrap": ["--isolation", "bubblewrap"], "landlock": ["--isolation", "auto"],
                   "none": ["--isolation", "none", "--allow-unconfined"]}[isolation]
        done = subprocess.run([str(VENV_BIN / "autograder"), "grade", ASSIGNMENT, "--submissions",
                               str(folder / "submitted"), "--gradebook", str(gradebook), "--feedback",
                               str(folder / "feedback"), "--reports", str(folder / "reports"), "--workers", "2",
                               *options], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        if isolation == "bubblewrap" and "bubblewrap cannot be used here" in done.stderr:
            pytest.skip(f"bubblewrap is unusable here: {done.stderr.strip()[-300:]}")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert f"({isolation} isolation)" in done.stdout
        results = {path.stem: json.loads(path.read_text()) for path in (folder / "reports" / ASSIGNMENT / "results").glob("*.json")}
        yield isolation, scores(gradebook, course.course_id, ASSIGNMENT), results, assignment.total_points
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Unconfined (and run by root, whose children take a uid of their own), these readers succeed:
#: they need nothing but world-readable files. /proc of other processes stays closed to them.
UNCONFINED_SUCCEED = {"solutions_absolute", "solutions_from_argv", "grader_module", "hint_table",
                      "gradebook", "classmate_from_cmdline"}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_reader_gets_nothing_usable_when_confined(batch, reader):
    isolation, totals, results, full = batch
    student = next(s for s in _students() if s.endswith(f"read_{reader}"))
    assert results[student]["isolation"] == isolation
    if isolation != "none":
        assert totals[student] == 0, f"{reader} read the course under {isolation}"
    elif os.geteuid() == 0:
        expected = full if reader in UNCONFINED_SUCCEED else 0
        assert totals[student] == expected, f"{reader} unconfined: the attack itself is broken"


@pytest.mark.parametrize("saboteur", sorted(SABOTEURS))
def test_a_saboteur_harms_no_classmate(batch, saboteur):
    isolation, totals, results, full = batch
    student = next(s for s in _students() if s.endswith(f"sabotage_{saboteur}"))
    honest = [s for s, cell in _students().items() if cell is None]
    assert {s: totals.get(s) for s in honest} == {s: full for s in honest}
    assert totals[student] == full, f"{saboteur} did not run to its end, or something it tried worked"
