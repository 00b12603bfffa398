"""The trusted side of the sandbox: start the zygote, talk to children, enforce every deadline.

Nothing here runs student code, and nothing a child says is believed beyond what ``wire.decode``
accepts: a child is a process that may lie, hang, die, flood its pipe or forge replies. Only
inputs go in; expected answers and reference code never leave this process.
"""
from __future__ import annotations

import math
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from ..config import Limits
from ..student import (
    MAX_MESSAGE,
    BadAnswer,
    MissingFunction,
    NotImplementedByStudent,
    StudentCrash,
    StudentRaised,
    StudentTimeout,
)
from . import wire

HERE = Path(__file__).resolve().parent
HEADER = struct.Struct("!Q")  # must match child.py
ZYGOTE_START_SECONDS = 60.0  # a cold matplotlib font cache alone takes about a second
ZYGOTE_REPLY_SECONDS = 10.0
ISOLATIONS = ("auto", "bubblewrap", "none")
CHILD_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",  # set iteration order is part of a reproducible answer
    "MPLBACKEND": "Agg",
}
#: Checks that a child works, and reports who it runs as (uid, effective capabilities).
PROBE = """
def probe(x):
    import os
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return x + 1, os.geteuid(), int(fields["CapEff"], 16)
"""
#: Wait statuses get a word on what probably happened.
SIGNAL_HINTS = {
    signal.SIGXCPU: "the CPU time limit",
    signal.SIGSEGV: "a crash, e.g. infinite recursion",
}


class SandboxError(RuntimeError):
    """The sandbox itself cannot run: the grader's environment is at fault, not the student."""


class _Timeout(Exception):
    """A deadline passed; ``whole_submission`` when the submission's budget was the tighter one."""

    def __init__(self, whole_submission: bool):
        super().__init__()
        self.whole_submission = whole_submission


class _Died(Exception):
    """The child's end of the pipes closed: it exited, was killed, or closed them itself."""


class _Garbled(Exception):
    """The child replied with something that is not a well-formed answer to this request."""


class _ZygoteFailure(Exception):
    """The zygote did not answer as it should; it gets replaced."""


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _clean(text: Any, fallback: str = "(no message)") -> str:
    """Untrusted text made fit for feedback: one line, no control characters, MAX_MESSAGE long."""
    if not isinstance(text, str):
        return fallback
    kept = []
    for character in text[: 4 * MAX_MESSAGE]:
        if character in "\t\n\r":
            kept.append(" ")
        elif unicodedata.category(character) not in ("Cc", "Cf", "Cs", "Co"):
            kept.append(character)
    text = " ".join("".join(kept).split())
    if not text:
        return fallback
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _how_it_ended(status: int | None) -> str:
    if status is None or status < 0:
        return "it was stopped"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = SIGNAL_HINTS.get(number)
        return f"killed by {name}" + (f", {hint}" if hint else "")
    return f"exit code {os.WEXITSTATUS(status)}"


def _wait_for(fd: int, events: int, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    poller = select.poll()
    poller.register(fd, events)
    if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
        raise _Timeout(whole_submission=False)


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks = []
    while size:
        _wait_for(fd, select.POLLIN, deadline)
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise _Died
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    """``fd`` is non-blocking: a child that stops reading cannot stall the grader."""
    view = memoryview(data)
    while view:
        _wait_for(fd, select.POLLOUT, deadline)
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue
        except OSError:  # EPIPE: the child is gone
            raise _Died from None


def _well_formed(request: dict, reply: Any) -> bool:
    """Whether ``reply`` answers ``request``: same sequence number, a kind fit for its op."""
    if not (isinstance(reply, dict) and type(reply.get("seq")) is int and reply["seq"] == request["seq"]):
        return False
    kind = reply.get("kind")
    if request["op"] == "exec":
        return kind == "done" and (reply.get("problem") is None or isinstance(reply.get("problem"), str))
    if request["op"] == "defines":
        return kind == "done" and isinstance(reply.get("defined"), bool)
    return (kind == "ok" and "value" in reply) or kind in ("missing", "notimpl", "raised", "bad")


class _Child:
    """One forked child: its pid (as the zygote knows it) and our ends of its two pipes."""

    def __init__(self, pid: int, requests: int, responses: int, generation: int):
        self.pid, self.requests, self.responses, self.generation = pid, requests, responses, generation


class Sandbox:
    """A pre-warmed zygote that forks one isolated child per submission; reuse it for many.

    ``isolation`` is "auto" (bubblewrap when ``bwrap`` exists and a probe run works, else
    "none" with a :attr:`warning`), "bubblewrap" (or :class:`SandboxError`) or "none".
    Not thread-safe; create it in the thread that will use it (children die with that thread).
    """

    def __init__(self, limits: Limits | None = None, isolation: str = "auto"):
        if isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
        self.limits = limits or Limits()
        self.warning: str | None = None
        self._students: set[SandboxedStudent] = set()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._log: Any = None  # the zygote's (and bwrap's) stderr, for error messages
        self._identity: tuple[int, int] | None = None  # the probe child's (uid, capabilities)
        self._generation = 0
        self._scratch: str | None = None
        self._closed = False
        reason = "bwrap is not installed"
        if isolation != "none" and shutil.which("bwrap"):
            self.isolation = "bubblewrap"
            reason = self._start_and_probe()
            if reason is None:
                return
        if isolation == "bubblewrap":
            raise SandboxError(f"bubblewrap cannot be used here: {reason}")
        self.isolation = "none"
        self._scratch = tempfile.mkdtemp(prefix="autograder-sandbox-")
        problem = self._start_and_probe()
        if problem is not None:
            self.close()
            raise SandboxError(f"the sandbox does not work: {problem}")
        self.warning = self._none_warning(reason if isolation == "auto" else "isolation='none' was asked for",
                                          *self._identity)

    # ---------------------------------------------------------------- public

    def open(self, statements: list[tuple[str, str]]) -> SandboxedStudent:
        """A fresh child that has exec'd ``statements`` ((label, source) pairs) in one namespace."""
        if self._closed:
            raise SandboxError("this sandbox is closed")
        student = SandboxedStudent(self, statements)
        self._students.add(student)
        return student

    def close(self) -> None:
        """Kill every child and the zygote (its whole process group or namespace)."""
        if self._closed:
            return
        self._closed = True
        for student in list(self._students):
            student.close()
        self._stop_zygote()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---------------------------------------------------------------- zygote

    @staticmethod
    def _none_warning(reason: str, uid: int, capabilities: int) -> str:
        """What is and is not protected, from what the probe child reported about itself."""
        if uid == 65534 and not capabilities:
            who = ("student code runs as the user 'nobody', so every world-readable file on this "
                   "machine")
        elif uid == 65534:
            who = ("student code runs as the user 'nobody' but keeps the right to read any file "
                   "(the Python installation is readable only by root), so every file on this machine")
        else:
            who = (f"student code runs as the grading user (uid {uid}), so every file that user can "
                   "read, and possibly the grader's own memory through /proc,")
        return (f"Student code is NOT isolated by bubblewrap ({reason}): {who} — solutions, "
                "graders, the gradebook, other students' submissions — can be read by the code "
                "being graded, which can then copy answers into its results. Still enforced: "
                "no writing or deleting files, no new processes, no network, no signals to other "
                "processes (seccomp), memory, CPU and answer-size limits, and wall-clock "
                "deadlines. Install bubblewrap (Debian/Ubuntu package 'bubblewrap') to close this.")

    def _start_and_probe(self) -> str | None:
        """Start a zygote and grade a one-line notebook with it; None when that worked."""
        try:
            self._start_zygote()
            with self.open([("probe", PROBE)]) as student:
                answer = student.call("probe", 41)
            if not (isinstance(answer, tuple) and len(answer) == 3 and answer[0] == 42):
                raise SandboxError(f"a probe run gave {answer!r} {student.load_problems}")
            self._identity = answer[1:]
        except Exception as error:  # noqa: BLE001 - any failure means "this isolation is unusable"
            details = self._zygote_log()
            self._stop_zygote()
            return _clean(f"{error} {details}".strip(), fallback=type(error).__name__)
        return None

    def _command(self, control_fd: int) -> tuple[list[str], dict[str, str], str]:
        limits = self.limits
        python = [sys.executable, "-s", "-B"]
        arguments = ["zygote", str(control_fd), str(limits.memory_mb),
                     str(math.ceil(limits.submission_seconds) + 5)]
        if self.isolation == "none":
            env = dict(CHILD_ENV, MPLCONFIGDIR=os.path.join(self._scratch, "matplotlib"))
            return [*python, str(HERE / "child.py"), *arguments], env, self._scratch
        bwrap = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                 "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
        for name in ("/bin", "/lib", "/lib64"):
            if os.path.islink(name):  # merged /usr
                bwrap += ["--symlink", os.readlink(name), name]
            elif os.path.isdir(name):
                bwrap += ["--ro-bind", name, name]
        for prefix in dict.fromkeys([sys.base_prefix, os.path.realpath(sys.base_prefix), sys.prefix]):
            if not prefix.startswith("/usr/"):
                bwrap += ["--ro-bind", prefix, prefix]
        for site in dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]):
            if os.path.isdir(os.path.join(site, "autograder")):  # a non-editable install of us
                bwrap += ["--tmpfs", os.path.join(site, "autograder")]
        bwrap += ["--ro-bind", str(HERE / "child.py"), "/sandbox/child.py",
                  "--ro-bind", str(HERE / "wire.py"), "/sandbox/wire.py", "--clearenv"]
        for name, value in dict(CHILD_ENV, MPLCONFIGDIR="/tmp/matplotlib").items():
            bwrap += ["--setenv", name, value]
        bwrap += ["--chdir", "/tmp", "--", *python, "/sandbox/child.py", *arguments]
        return bwrap, {"PATH": CHILD_ENV["PATH"]}, "/"

    def _start_zygote(self) -> None:
        parent_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = parent_end
        argv, env, cwd = self._command(zygote_end.fileno())
        self._log = tempfile.TemporaryFile()
        with zygote_end:
            self._process = subprocess.Popen(
                argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._log, pass_fds=[zygote_end.fileno()], start_new_session=True)
        self._generation += 1
        if self._receive(ZYGOTE_START_SECONDS) != "ready":
            raise _ZygoteFailure("the sandbox's zygote did not start")

    def _zygote_log(self) -> str:
        """The last lines the zygote (or bwrap) wrote to stderr, to explain a failed start."""
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = self._log.read(8192).decode("utf-8", "replace").strip().splitlines()
        return " | ".join(lines[-3:])

    def _stop_zygote(self) -> None:
        """Ask the zygote to kill its children and exit, then kill its process group anyway.

        Letting it exit first lets bwrap reap its own namespace. The group is killed before the
        leader is reaped, so its id cannot have been reused. In bubblewrap mode the group holds
        only the outer bwrap, whose death takes the PID namespace with it.
        """
        process, control, log = self._process, self._control, self._log
        self._process = self._control = self._log = None
        if control is not None:
            try:
                control.send(b"shutdown")
            except OSError:
                pass
            control.close()
        if process is not None:
            try:
                exited = os.pidfd_open(process.pid)
            except ProcessLookupError:  # reaped behind our back: its group id is not ours any more
                exited = None
            if exited is not None:
                try:
                    _wait_for(exited, select.POLLIN, time.monotonic() + 2)
                except _Timeout:
                    pass
                finally:
                    os.close(exited)
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
        if log is not None:
            log.close()

    def _restart_zygote(self) -> None:
        log = self._zygote_log()
        self._stop_zygote()
        try:
            self._start_zygote()
        except (OSError, _ZygoteFailure) as error:
            raise SandboxError(f"the sandbox's zygote died and could not be restarted: {error} "
                               f"{log} {self._zygote_log()}") from None

    def _receive(self, seconds: float) -> str:
        try:
            _wait_for(self._control.fileno(), select.POLLIN, time.monotonic() + seconds)
            reply = self._control.recv(64)
        except (OSError, _Timeout):
            reply = b""
        if not reply:
            raise _ZygoteFailure("the sandbox's zygote stopped answering")
        return reply.decode("ascii", "replace")

    def _ask(self, message: str, fds: tuple[int, ...] = ()) -> str:
        try:
            if fds:
                socket.send_fds(self._control, [message.encode()], list(fds))
            else:
                self._control.send(message.encode())
        except OSError:
            raise _ZygoteFailure("the sandbox's zygote is gone") from None
        return self._receive(ZYGOTE_REPLY_SECONDS)

    def _fork(self) -> _Child:
        """A new child with fresh pipes; a dead zygote is replaced once before giving up."""
        try:
            return self._fork_once()
        except _ZygoteFailure:
            self._restart_zygote()
        try:
            return self._fork_once()
        except _ZygoteFailure as error:
            raise SandboxError(str(error)) from None

    def _fork_once(self) -> _Child:
        request_read, request_write = os.pipe2(os.O_CLOEXEC)
        response_read, response_write = os.pipe2(os.O_CLOEXEC)
        try:
            reply = self._ask("fork", (request_read, response_write))
            if not reply.startswith("pid ") or not reply[4:].isdigit():
                raise _ZygoteFailure(f"the sandbox's zygote replied {reply!r} to fork")
        except _ZygoteFailure:
            os.close(request_write)
            os.close(response_read)
            raise
        finally:
            os.close(request_read)
            os.close(response_write)
        os.set_blocking(request_write, False)
        return _Child(int(reply[4:]), request_write, response_read, self._generation)

    def _kill(self, child: _Child) -> int | None:
        """Close our pipe ends, SIGKILL and reap the child; its wait status when known."""
        os.close(child.requests)
        os.close(child.responses)
        if child.generation != self._generation:
            return None  # it died with an earlier zygote
        try:
            reply = self._ask(f"kill {child.pid}")
        except _ZygoteFailure:
            self._restart_zygote()
            return None
        status = reply[7:] if reply.startswith("status ") else ""
        return int(status) if status.lstrip("-").isdigit() else None


class SandboxedStudent:
    """The :class:`~autograder.student.Student` of one submission, running in a child process.

    Every request is bounded by ``limits.call_seconds`` and all of them together by
    ``limits.submission_seconds``. A child that hangs, dies or garbles its reply is killed; the
    next request gets a fresh child that re-runs the statements, except that a function which
    ran out of time fails fast from then on (an endless loop must not cost every test case).
    """

    def __init__(self, box: Sandbox, statements: list[tuple[str, str]]):
        self._box = box
        self._statements = [(str(label), str(source)) for label, source in statements]
        self._skipped: set[int] = set()  # statements that killed their child: never again
        self._child: _Child | None = None
        self._seq = 0
        self._budget = float(box.limits.submission_seconds)
        self._timed_out: dict[str, str] = {}  # function -> message
        self._stopped: str | None = None  # load or submission time limit hit: nothing runs now
        self._closed = False
        self.load_problems: dict[str, str] = {}
        self._start()

    # ---------------------------------------------------------------- Student protocol

    def defines(self, function: str) -> bool:
        """Whether a callable of that name exists; False as well when nothing can run any more."""
        try:
            reply = self._request({"op": "defines", "name": function}, function)
        except (StudentTimeout, StudentCrash, BadAnswer):
            return False
        return reply["defined"]

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        if function in self._timed_out:
            raise StudentTimeout(self._timed_out[function])
        reply = self._request({"op": "call", "name": function, "args": list(args), "kwargs": kwargs},
                              function)
        kind = reply["kind"]
        if kind == "ok":
            return reply["value"]
        if kind == "missing":
            raise MissingFunction(f"your notebook does not define a function named {function}")
        if kind == "notimpl":
            raise NotImplementedByStudent(f"{function} still raises NotImplementedError")
        raise (StudentRaised if kind == "raised" else BadAnswer)(_clean(reply.get("message")))

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._discard_child()
        self._box._students.discard(self)

    def __enter__(self) -> SandboxedStudent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---------------------------------------------------------------- internals

    def _start(self) -> None:
        """Fork a child and exec the statements one by one, all within one call_seconds.

        A statement whose child dies or garbles its reply is recorded and skipped, and loading
        starts over in a fresh child, so it loses only what it defines. A statement that runs
        out of time stops the whole submission: every later call reports that timeout.
        """
        limit = self._box.limits.call_seconds
        started = time.monotonic()
        self._child = self._box._fork()
        index = 0
        while index < len(self._statements):
            label, source = self._statements[index]
            if index in self._skipped:
                index += 1
                continue
            try:
                reply = self._exchange({"op": "exec", "label": label, "source": source},
                                       limit - (time.monotonic() - started))
            except _Timeout as timeout:
                self._stopped = (self._submission_message() if timeout.whole_submission else
                                 f"loading your notebook's code took longer than the "
                                 f"{_seconds(limit)} limit and was stopped in {label}")
                self.load_problems.setdefault(label, self._stopped)
                return
            except (_Died, _Garbled) as failure:
                self.load_problems.setdefault(label, f"running this cell ended its process ({failure})"
                                              if isinstance(failure, _Died) else str(failure))
                self._skipped.add(index)
                self._child = self._box._fork()
                index = 0
                continue
            if reply["problem"] is not None:
                self.load_problems.setdefault(label, _clean(reply["problem"]))
            index += 1

    def _submission_message(self) -> str:
        return (f"your notebook used up its total time limit of "
                f"{_seconds(self._box.limits.submission_seconds)} and was stopped")

    def _request(self, request: dict, function: str) -> dict:
        """One request in a live child, with every failure turned into a StudentError."""
        if self._closed:
            raise SandboxError("this submission's sandbox is closed")
        if self._stopped is None and (self._child is None
                                      or self._child.generation != self._box._generation):
            self._child = None
            self._start()
        if self._stopped is not None:
            raise StudentTimeout(self._stopped)
        limit = self._box.limits.call_seconds
        try:
            return self._exchange(request, limit)
        except _Timeout as timeout:
            if timeout.whole_submission:
                self._stopped = self._submission_message()
                raise StudentTimeout(self._stopped) from None
            message = f"{function} took longer than the {_seconds(limit)} time limit and was stopped"
            if request["op"] == "call":
                self._timed_out[function] = message
            raise StudentTimeout(message) from None
        except _Died as died:
            raise StudentCrash(f"the process running {function} ended during the call "
                               f"({died})") from None
        except _Garbled as garbled:
            raise BadAnswer(str(garbled)) from None

    def _exchange(self, request: dict, seconds: float) -> dict:
        """Send one frame and read one back within ``seconds`` (and the submission's budget).

        On any failure the child is killed and forgotten before the error is raised; a _Died
        then carries how the child ended.
        """
        self._seq += 1
        request["seq"] = self._seq
        body = wire.encode(request)  # the grader's own inputs: a WireError here is a grader bug
        allowed = min(seconds, self._budget)
        started = time.monotonic()
        deadline = started + allowed
        max_bytes = self._box.limits.output_mb * 2**20
        child = self._child
        try:
            if allowed <= 0:
                raise _Timeout(whole_submission=True)
            _write_all(child.requests, HEADER.pack(len(body)) + body, deadline)
            size, = HEADER.unpack(_read_exact(child.responses, HEADER.size, deadline))
            if size > max_bytes:
                raise _Garbled(f"the answer is larger than the {self._box.limits.output_mb} MB limit")
            try:
                reply = wire.decode(_read_exact(child.responses, size, deadline), max_bytes)
            except wire.WireError as error:
                raise _Garbled(_clean(str(error))) from None
            if not _well_formed(request, reply):
                raise _Garbled("your code's reply could not be read back (it does not answer this call)")
            return reply
        except _Timeout:
            self._discard_child()
            raise _Timeout(whole_submission=allowed < seconds) from None
        except _Died:
            raise _Died(_how_it_ended(self._discard_child())) from None
        except _Garbled:
            self._discard_child()
            raise
        finally:
            self._budget -= time.monotonic() - started

    def _discard_child(self) -> int | None:
        child, self._child = self._child, None
        return None if child is None else self._box._kill(child)
