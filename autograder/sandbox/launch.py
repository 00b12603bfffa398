"""Starting, probing and stopping the zygote, inside bubblewrap or not.

The zygote is ``child.py`` run as ``python -S child.py zygote CONTROL_FD SETTINGS``; it forks
children on request over a control socket. Nothing here believes more of the zygote than a
short ASCII reply.
"""
from __future__ import annotations

import functools
import importlib.metadata
import json
import math
import os
import select
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import DISTRIBUTION
from ..config import Limits
from . import protocol

if TYPE_CHECKING:
    from .host import Sandbox

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent.name  # "autograder": what the child must never import
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
#: Checks that a child works, and reports who it runs as (uid, effective and permitted
#: capabilities) and whether it could read ``secret``, a file of the grader's.
PROBE = """
def probe(x, secret):
    import ctypes, os
    header, data = (ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()
    ctypes.CDLL(None).capget(header, data)
    try:
        with open(secret, "rb") as file:
            readable = len(file.read(1)) == 1
    except OSError:
        readable = False
    return x + 1, os.geteuid(), data[0] | data[1] | data[3] << 32 | data[4] << 32, readable
"""
#: A file of the trusted side the probe tries to read: a confined child must not manage.
SECRET = HERE / "session.py"


class ZygoteFailure(Exception):
    """The zygote did not answer as it should; it gets replaced."""


@functools.cache
def site_directories() -> tuple[str, ...]:
    """The site directories the child imports packages from (python -S does not add them)."""
    found = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return tuple(path for path in dict.fromkeys(found) if os.path.isdir(path))


@functools.cache
def hidden_entries() -> tuple[str, ...]:
    """Entries of the site directories that are this package's own: a non-editable install of
    the graders, or an editable install's .pth and finder that map it to the checkout; also its
    metadata. The child may read none of them."""
    names = {PACKAGE}
    installed = importlib.metadata.distributions(name=DISTRIBUTION, path=list(site_directories()))
    files = [file for distribution in installed for file in distribution.files or []]
    names.update(file.parts[0] for file in files if file.parts and file.parts[0] not in ("..", "__pycache__"))
    names.update(str(file) for file in files if file.parts[:1] == ("__pycache__",))
    return tuple(os.path.join(folder, name) for folder in site_directories() for name in sorted(names)
                 if os.path.lexists(os.path.join(folder, name)))


def command(isolation: str, limits: Limits, preimports: tuple[str, ...], control_fd: int,
            scratch: str | None) -> tuple[list[str], dict[str, str], str]:
    """argv, environment and working directory of the zygote."""
    python = [sys.executable, "-S", "-s", "-B"]
    settings = json.dumps({"memory_mb": limits.memory_mb, "cpu_seconds": math.ceil(limits.submission_seconds) + 5,
                           "preimports": list(preimports), "isolation": isolation,
                           "site": list(site_directories()), "hidden": list(hidden_entries())})
    arguments = ["zygote", str(control_fd), settings]
    if isolation != "bubblewrap":
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
    for path in hidden_entries():  # an empty folder or file in place of the package's own
        bwrap += ["--tmpfs", path] if os.path.isdir(path) else ["--ro-bind", "/dev/null", path]
    for name in CHILD_FILES:
        bwrap += ["--ro-bind", str(HERE / name), f"/sandbox/{name}"]
    bwrap += ["--clearenv"]
    for name, value in dict(CHILD_ENV, MPLCONFIGDIR="/tmp/matplotlib").items():
        bwrap += ["--setenv", name, value]
    bwrap += ["--chdir", "/tmp", "--", *python, "/sandbox/child.py", *arguments]
    return bwrap, {"PATH": CHILD_ENV["PATH"]}, "/"


def probe(box: Sandbox) -> tuple[int, int, bool]:
    """Grade a one-line notebook in ``box``; the child's uid, capabilities, and whether it could
    read a file of the grader's."""
    with box.open([("probe", PROBE)]) as student:
        answer = student.call("probe", 41, str(SECRET))
    if not (isinstance(answer, tuple) and len(answer) == 4 and answer[0] == 42):
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
