"""Starting, probing and stopping the zygote, inside bubblewrap or not.

The zygote is ``child.py`` run as ``child.py zygote CONTROL_FD MEMORY_MB CPU_SECONDS MODULE...``;
it forks children on request over a control socket. Nothing here believes more of the zygote
than a short ASCII reply.
"""
from __future__ import annotations

import math
import os
import select
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Limits
from . import protocol

if TYPE_CHECKING:
    from .host import Sandbox

HERE = Path(__file__).resolve().parent
#: What the child imports from its own folder; bind-mounted read-only into /sandbox under bwrap.
CHILD_FILES = ("child.py", "protocol.py", "wire.py")
ZYGOTE_START_SECONDS = 60.0  # a cold matplotlib font cache alone takes about a second
ZYGOTE_REPLY_SECONDS = 10.0
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


class ZygoteFailure(Exception):
    """The zygote did not answer as it should; it gets replaced."""


def command(isolation: str, limits: Limits, preimports: tuple[str, ...], control_fd: int,
            scratch: str | None) -> tuple[list[str], dict[str, str], str]:
    """argv, environment and working directory of the zygote."""
    python = [sys.executable, "-s", "-B"]
    arguments = ["zygote", str(control_fd), str(limits.memory_mb),
                 str(math.ceil(limits.submission_seconds) + 5), *preimports]
    if isolation == "none":
        env = dict(CHILD_ENV, MPLCONFIGDIR=os.path.join(scratch, "matplotlib"))
        return [*python, str(HERE / "child.py"), *arguments], env, scratch
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
    for name in CHILD_FILES:
        bwrap += ["--ro-bind", str(HERE / name), f"/sandbox/{name}"]
    bwrap += ["--clearenv"]
    for name, value in dict(CHILD_ENV, MPLCONFIGDIR="/tmp/matplotlib").items():
        bwrap += ["--setenv", name, value]
    bwrap += ["--chdir", "/tmp", "--", *python, "/sandbox/child.py", *arguments]
    return bwrap, {"PATH": CHILD_ENV["PATH"]}, "/"


def probe(box: Sandbox) -> tuple[int, int]:
    """Grade a one-line notebook in ``box``; the child's (uid, effective capabilities)."""
    with box.open([("probe", PROBE)]) as student:
        answer = student.call("probe", 41)
    if not (isinstance(answer, tuple) and len(answer) == 3 and answer[0] == 42):
        raise ZygoteFailure(f"a probe run gave {answer!r} {student.load_problems}")
    return answer[1:]


class Child:
    """One forked child: its pid (as the zygote knows it), our ends of its pipes, its zygote."""

    def __init__(self, pid: int, requests: int, responses: int, zygote: Zygote):
        self.pid, self.requests, self.responses, self.zygote = pid, requests, responses, zygote

    def close(self) -> None:
        os.close(self.requests)
        os.close(self.responses)


class Zygote:
    """One zygote process, our end of its control socket and its stderr (for error messages)."""

    def __init__(self, isolation: str, limits: Limits, preimports: tuple[str, ...], scratch: str | None):
        """Start the process; :meth:`wait_ready` waits for it to have imported everything."""
        self._control, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile()
        self.process: subprocess.Popen | None = None
        argv, env, cwd = command(isolation, limits, preimports, zygote_end.fileno(), scratch)
        with zygote_end:
            try:
                self.process = subprocess.Popen(
                    argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=self._log, pass_fds=[zygote_end.fileno()], start_new_session=True)
            except OSError:
                self.stop()
                raise

    def wait_ready(self) -> None:
        if self._receive(ZYGOTE_START_SECONDS) != "ready":
            raise ZygoteFailure("the sandbox's zygote did not start")

    def log(self) -> str:
        """The last lines the zygote (or bwrap) wrote to stderr, to explain a failure."""
        if self._log.closed:
            return ""
        self._log.seek(0)
        lines = self._log.read(8192).decode("utf-8", "replace").strip().splitlines()
        return " | ".join(lines[-3:])

    def fork(self) -> Child:
        """A new child with fresh pipes, or ZygoteFailure."""
        request_read, request_write = os.pipe2(os.O_CLOEXEC)
        response_read, response_write = os.pipe2(os.O_CLOEXEC)
        try:
            reply = self._ask("fork", (request_read, response_write))
            if not reply.startswith("pid ") or not reply[4:].isdigit():
                raise ZygoteFailure(f"the sandbox's zygote replied {reply!r} to fork")
        except ZygoteFailure:
            os.close(request_write)
            os.close(response_read)
            raise
        finally:
            os.close(request_read)
            os.close(response_write)
        os.set_blocking(request_write, False)
        return Child(int(reply[4:]), request_write, response_read, self)

    def kill(self, child: Child) -> int | None:
        """SIGKILL and reap one of our children; its wait status when known, or ZygoteFailure."""
        reply = self._ask(f"kill {child.pid}")
        status = reply[7:] if reply.startswith("status ") else ""
        return int(status) if status.lstrip("-").isdigit() else None

    def stop(self) -> None:
        """Ask the zygote to kill its children and exit, then kill its process group anyway.

        Letting it exit first lets bwrap reap its own namespace. The group is killed before the
        leader is reaped, so its id cannot have been reused. In bubblewrap mode the group holds
        only the outer bwrap, whose death takes the PID namespace with it.
        """
        try:
            self._control.send(b"shutdown")
        except OSError:  # gone, or stopped before
            pass
        self._control.close()
        process, self.process = self.process, None
        if process is not None:
            try:
                exited = os.pidfd_open(process.pid)
            except ProcessLookupError:  # reaped behind our back: its group id is not ours any more
                exited = None
            if exited is not None:
                try:
                    protocol.wait_for(exited, select.POLLIN, time.monotonic() + 2)
                except protocol.Timeout:
                    pass
                finally:
                    os.close(exited)
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
        self._log.close()

    def _receive(self, seconds: float) -> str:
        try:
            protocol.wait_for(self._control.fileno(), select.POLLIN, time.monotonic() + seconds)
            reply = self._control.recv(64)
        except (OSError, protocol.Timeout):
            reply = b""
        if not reply:
            raise ZygoteFailure("the sandbox's zygote stopped answering")
        return reply.decode("ascii", "replace")

    def _ask(self, message: str, fds: tuple[int, ...] = ()) -> str:
        try:
            if fds:
                socket.send_fds(self._control, [message.encode()], list(fds))
            else:
                self._control.send(message.encode())
        except OSError:
            raise ZygoteFailure("the sandbox's zygote is gone") from None
        return self._receive(ZYGOTE_REPLY_SECONDS)
