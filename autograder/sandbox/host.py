"""The trusted side's sandbox: choose the isolation, keep a zygote alive, hand out students.

Nothing here runs student code. The zygote's command line and control socket are in
launch.py, the conversation with a child in session.py, the child itself in child.py.
"""
from __future__ import annotations

import shutil
import tempfile

from ..config import Limits
from .launch import Child, Zygote, ZygoteFailure, probe
from .session import SandboxedStudent, SandboxError, clean

ISOLATIONS = ("auto", "bubblewrap", "none")
#: What the zygote imports before it forks, unless an assignment says otherwise.
PREIMPORTS = ("numpy", "matplotlib.pyplot")


def _module_names(preimports: tuple[str, ...]) -> tuple[str, ...]:
    """Dotted identifiers only: they end up on the zygote's command line."""
    names = (preimports,) if isinstance(preimports, str) else tuple(preimports)
    for name in names:
        if not (isinstance(name, str) and all(part.isidentifier() for part in name.split("."))):
            raise ValueError(f"preimports must be module names such as 'numpy' or "
                             f"'matplotlib.pyplot', not {name!r}")
    return names


class Sandbox:
    """A pre-warmed zygote that forks one isolated child per submission; reuse it for many.

    ``isolation`` is "auto" (bubblewrap when ``bwrap`` exists and a probe run works, else
    "none" with a :attr:`warning`), "bubblewrap" (or :class:`SandboxError`) or "none".
    ``preimports`` are modules the zygote imports once for every child (a failing one is
    skipped: the student's own import then fails on its own).
    Not thread-safe; create it in the thread that will use it (children die with that thread).
    """

    def __init__(self, limits: Limits | None = None, isolation: str = "auto",
                 preimports: tuple[str, ...] = PREIMPORTS):
        if isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
        self.limits = limits or Limits()
        self.preimports = _module_names(preimports)
        self.warning: str | None = None
        self._students: set[SandboxedStudent] = set()
        self._zygote: Zygote | None = None
        self._identity: tuple[int, int] | None = None  # the probe child's (uid, capabilities)
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
            self._identity = probe(self)
        except Exception as error:  # noqa: BLE001 - any failure means "this isolation is unusable"
            details = self._zygote.log() if self._zygote else ""
            self._stop_zygote()
            return clean(f"{error} {details}".strip(), fallback=type(error).__name__)
        return None

    def _start_zygote(self) -> None:
        self._zygote = Zygote(self.isolation, self.limits, self.preimports, self._scratch)
        self._zygote.wait_ready()

    def _stop_zygote(self) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()

    def _restart_zygote(self) -> None:
        log = self._zygote.log() if self._zygote else ""
        self._stop_zygote()
        try:
            self._start_zygote()
        except (OSError, ZygoteFailure) as error:
            raise SandboxError(f"the sandbox's zygote died and could not be restarted: {error} "
                               f"{log} {self._zygote.log() if self._zygote else ''}") from None

    def _fork(self) -> Child:
        """A new child with fresh pipes; a dead zygote is replaced once before giving up."""
        if self._zygote is not None:
            try:
                return self._zygote.fork()
            except ZygoteFailure:
                pass
        self._restart_zygote()
        try:
            return self._zygote.fork()
        except ZygoteFailure as error:
            raise SandboxError(str(error)) from None

    def _kill(self, child: Child) -> int | None:
        """Close our pipe ends, SIGKILL and reap the child; its wait status when known."""
        child.close()
        if child.zygote is not self._zygote:
            return None  # it died with an earlier zygote
        try:
            return self._zygote.kill(child)
        except ZygoteFailure:
            self._restart_zygote()
            return None
