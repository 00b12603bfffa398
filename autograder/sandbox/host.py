"""The trusted side's sandbox: choose the isolation, keep a zygote alive, hand out students.

Nothing here runs student code. The zygote's command line and control socket are in
launch.py, the conversation with a child in session.py, the child itself in child.py.
"""
from __future__ import annotations

import shutil
import tempfile

from ..config import Limits
from . import protocol
from .launch import SECRET, Child, Zygote, ZygoteFailure, probe
from .session import SandboxError, SandboxedStudent, clean

#: From the strongest down; "none" confines nothing a child reads.
ISOLATIONS = ("auto", "bubblewrap", "landlock", "none")
CONFINING = ("bubblewrap", "landlock")
#: What the zygote imports before it forks, unless an assignment says otherwise.
PREIMPORTS = ("numpy", "matplotlib.pyplot")
#: How to get each confinement, for messages.
REMEDIES = {
    "bubblewrap": "install bubblewrap (Debian/Ubuntu package 'bubblewrap')",
    "landlock": "or grade on Linux 5.13 or later with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y "
                "and 'landlock' in the kernel's lsm= boot parameter)",
}


def _module_names(preimports: tuple[str, ...]) -> tuple[str, ...]:
    """Dotted identifiers only: they end up on the zygote's command line."""
    names = (preimports,) if isinstance(preimports, str) else tuple(preimports)
    for name in names:
        if not (isinstance(name, str) and all(part.isidentifier() for part in name.split("."))):
            raise ValueError(f"preimports must be module names such as 'numpy' or "
                             f"'matplotlib.pyplot', not {name!r}")
    return names


def unavailable(isolation: str) -> str | None:
    """Why ``isolation`` cannot work on this machine, found without starting anything; None
    when it may (bubblewrap can still fail to start, e.g. without user namespaces)."""
    if isolation == "bubblewrap" and not shutil.which("bwrap"):
        return "bwrap is not installed"
    if isolation == "landlock":
        import landlockpy
        try:
            if landlockpy.abi_version() >= 1:
                return None
        except OSError as error:
            return f"the kernel refused to say which Landlock it offers ({error})"
        return "this kernel offers no Landlock (older than Linux 5.13, or Landlock not enabled at boot)"
    return None


def no_confinement(reasons: dict[str, str]) -> str:
    """The sentence for a machine where student code cannot be confined: why, and what fixes it."""
    why = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
    return (f"student code cannot be confined on this machine ({why}), so it could read every file the "
            f"grader can (solutions, graders, gradebook, other students' work). To fix it, "
            f"{REMEDIES['bubblewrap']} {REMEDIES['landlock']}. To grade unconfined anyway, with seccomp and "
            "resource limits only, pass --allow-unconfined.")


class Sandbox:
    """A pre-warmed zygote that forks one isolated child per submission; reuse it for many.

    ``isolation`` is "bubblewrap" (namespaces: the child sees only the system and the Python
    runtime), "landlock" (the kernel lets the child read only those), "none" (rlimits and
    seccomp only, with a :attr:`warning`), or "auto": the first of bubblewrap and landlock that
    starts and passes a probe run, else none. Unconfined ("none") needs ``allow_unconfined``;
    an isolation that cannot be had is a :class:`SandboxError` saying what would fix it. ``preimports`` are modules the zygote
    imports once for every child (a failing one is skipped: the student's own import then fails
    on its own).
    Not thread-safe; create it in the thread that will use it (children die with that thread).
    """

    def __init__(self, limits: Limits | None = None, isolation: str = "auto",
                 preimports: tuple[str, ...] = PREIMPORTS, allow_unconfined: bool = False):
        if isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
        if isolation == "none" and not allow_unconfined:
            raise SandboxError("isolation 'none' lets student code read every file the grader can: "
                               "it needs allow_unconfined (autograder grade --allow-unconfined)")
        self.limits = limits or Limits()
        self.preimports = _module_names(preimports)
        self.warning: str | None = None
        self._students: set[SandboxedStudent] = set()
        self._zygote: Zygote | None = None
        self._identity: tuple[int, int, bool] | None = None  # the probe child's uid, capabilities, reads
        self._scratch: str | None = None
        self._closed = False
        unconfined = ("none",) if allow_unconfined else ()
        reasons: dict[str, str] = {}
        for candidate in CONFINING + unconfined if isolation == "auto" else (isolation,):
            self.isolation = candidate
            reasons[candidate] = unavailable(candidate) or self._start_and_probe()
            if not reasons[candidate]:
                break
        else:
            self.close()
            raise SandboxError(no_confinement(reasons) if isolation == "auto" else
                               f"{isolation} cannot be used here: {reasons[isolation]}")
        if self.isolation == "none":
            reasons.pop("none")
            self.warning = self._none_warning(reasons or {"isolation": "'none' was asked for"}, *self._identity[:2])

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
    def _none_warning(reasons: dict[str, str], uid: int, capabilities: int) -> str:
        """What is and is not protected, from what the probe child reported about itself."""
        if uid >= protocol.UID_BASE and not capabilities:
            who = ("student code runs under a user id of its own without any privilege, so every "
                   "world-readable file on this machine")
        else:
            who = (f"student code runs as the grading user (uid {uid}), so every file that user can read, "
                   "and possibly the grader's own memory through /proc,")
        why = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
        return (f"Student code is NOT confined ({why}): {who} — solutions, graders, the gradebook, "
                "other students' submissions — can be read by the code being graded, which can then "
                "copy answers into its results. Still enforced: no writing or deleting files, no new "
                "processes, no network, no signals to or limits on other processes (seccomp), memory, "
                f"CPU and answer-size limits, and wall-clock deadlines. To close this, {REMEDIES['bubblewrap']} "
                f"{REMEDIES['landlock']}.")

    def _start_and_probe(self) -> str | None:
        """Start a zygote of :attr:`isolation` and grade a one-line notebook with it; None when
        that worked and the child is as confined as the isolation promises."""
        if self.isolation != "bubblewrap" and self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="autograder-sandbox-")
        try:
            self._start_zygote()
            self._identity = probe(self)
            if self._identity[2] and self.isolation in CONFINING:
                raise ZygoteFailure(f"a probe child could read {SECRET.name}: {self.isolation} did not confine it")
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
