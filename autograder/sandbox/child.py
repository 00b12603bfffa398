"""The untrusted side: a pre-warmed zygote that forks one locked-down child per submission.

Started by the trusted parent as
``python -s -B child.py zygote CONTROL_FD MEMORY_MB CPU_SECONDS MODULE...`` (inside bubblewrap
when available). This file may import only the standard library, numpy, pyseccomp and its
siblings ``protocol.py`` and ``wire.py``: the autograder package is not visible in the sandbox.

The zygote pays for the imports (the MODULEs too) once; every ``fork`` request gets a child that drops privileges,
sets resource limits and loads a seccomp filter *before* it reads the first line of student code.
Nothing the child says is trusted by the parent, so the child only needs to be correct for honest
students; keeping dishonest ones contained is the job of the limits, the filter and the parent.
"""
import ctypes
import ctypes.util
import errno
import gc
import importlib
import os
import resource
import select
import signal
import socket
import sys

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before numpy is imported: a BLAS thread pool needs clone()

import builtins  # noqa: E402
import collections  # noqa: E402,F401  (pre-imported so student imports cost nothing)
import copy  # noqa: E402,F401
import functools  # noqa: E402,F401
import itertools  # noqa: E402,F401
import math  # noqa: E402,F401
import random  # noqa: E402,F401
import time  # noqa: E402,F401
import types  # noqa: E402
import typing  # noqa: E402,F401

import numpy as np  # noqa: E402,F401
import numpy.linalg  # noqa: E402,F401
import numpy.random  # noqa: E402,F401

import protocol  # noqa: E402
import wire  # noqa: E402

NOBODY = 65534
MAX_REQUEST = 1 << 40  # requests come from the trusted parent; the cap only keeps decode() happy

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_KEEPCAPS = 8
PR_SET_CHILD_SUBREAPER = 36
CAP_DAC_READ_SEARCH = 2
CAPABILITY_VERSION_3 = 0x20080522
TIOCSTI = 0x5412

_libc = ctypes.CDLL(None, use_errno=True)


def _import_pyseccomp():
    """pyseccomp finds its library with ctypes.util.find_library, which needs ldconfig and
    /etc/ld.so.cache; the sandbox has neither, but the dynamic loader finds the sonames."""
    find_library = ctypes.util.find_library
    sonames = {"seccomp": "libseccomp.so.2", "c": "libc.so.6"}
    ctypes.util.find_library = lambda name: sonames.get(name) or find_library(name)
    try:
        import pyseccomp
    finally:
        ctypes.util.find_library = find_library
    return pyseccomp


seccomp = _import_pyseccomp()

#: Denied outright: new processes and programs, networking, other processes' memory, changes to
#: the file system, identity changes, namespaces and mounts, and kernel attack surface numpy
#: never needs.
DENIED = (
    "fork", "vfork", "clone", "execve", "execveat",
    "socket", "socketpair", "connect", "bind",
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise",
    "pidfd_send_signal", "pidfd_getfd",
    "creat", "openat2", "open_by_handle_at", "mknod", "mknodat",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
    "link", "linkat", "symlink", "symlinkat",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "truncate", "utime", "utimes", "utimensat", "futimesat",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "setsid", "setpgid",
    "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "userfaultfd", "keyctl", "add_key", "request_key",
    "shmget", "msgget", "semget", "mq_open",  # kernel objects that would outlive the child
)
#: Signals may only go to the child itself: pid 0 and negative pids reach the zygote's group.
SIGNALLING = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
#: Any of these flags makes an open() able to change a file.
WRITE_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND)


def _prctl(option, value):
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _set_capabilities(mask):
    """Keep exactly ``mask`` as effective and permitted capabilities (capset has no wrapper)."""
    low, high = mask & 0xFFFFFFFF, mask >> 32
    data = (_CapabilityData * 2)(_CapabilityData(low, low, 0), _CapabilityData(high, high, 0))
    if _libc.capset(ctypes.byref(_CapabilityHeader(CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _become_nobody():
    """Root outside a user namespace: every check below would be void, so become 'nobody'.

    'nobody' must still import modules; when Python lives where only root may look (pyenv
    under /root), it keeps the one capability to read files, no more. Writes, signals and
    ptrace stay barred either way.
    """
    directories = [path for path in sys.path if os.path.isdir(path)]  # as root: all of them
    _prctl(PR_SET_KEEPCAPS, 1)
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    importable = all(os.access(path, os.R_OK | os.X_OK) for path in directories)
    keep = 0 if importable else 1 << CAP_DAC_READ_SEARCH
    _set_capabilities(keep)
    if os.geteuid() != NOBODY or os.getuid() != NOBODY or _effective_capabilities() != keep:
        os._exit(71)


def _effective_capabilities():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


# ---------------------------------------------------------------------------------------------
# The child: lock down, then serve requests over two pipes.
# ---------------------------------------------------------------------------------------------

def _lock_down(requests, responses, memory_mb, cpu_seconds, drop_root, rules):
    """Everything that must hold before student code runs, in an order where each step still
    has the rights it needs: fds, identity, limits, then the seccomp filter last."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # prints cost nothing and are never read
    keep = sorted({0, 1, 2, requests, responses})
    for low, high in zip(keep, keep[1:] + [2**31 - 1]):
        os.closerange(low + 1, high)  # the zygote's control socket above all
    if drop_root:
        _become_nobody()
    memory = memory_mb * 2**20
    for limit, value in (
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1)),
        (resource.RLIMIT_FSIZE, (0, 0)),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_NPROC, (0, 0)),
        (resource.RLIMIT_CORE, (0, 0)),
    ):
        resource.setrlimit(limit, value)
    for name in SIGNALLING:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(0, seccomp.NE, os.getpid()))
    rules.load()


def _seccomp_rules():
    """Every rule but those naming the child's own pid; built once in the zygote, where it
    takes a third of the time it takes in a freshly forked child."""
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED:
        rules.add_rule(deny, name)
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # glibc then falls back to clone
    for name, flags_arg in (("open", 1), ("openat", 2)):
        for flag in WRITE_FLAGS:
            rules.add_rule(deny, name, seccomp.Arg(flags_arg, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.EQ, TIOCSTI))  # typing into a terminal
    rules.add_rule(deny, "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_PDEATHSIG))  # outliving us
    return rules


def _encode_reply(reply):
    try:
        return wire.encode(reply)
    except wire.WireError as error:
        message = str(error)
    except BaseException as error:  # noqa: BLE001 - a hostile answer may raise anything
        message = f"the answer could not be encoded: {protocol.describe(error)}"
    return wire.encode({"seq": reply["seq"], "kind": "bad", "message": message})


def _serve(requests, responses):
    """Answer requests until the parent hangs up. The student's code shares this process, so
    every step assumes it may have been tampered with; the parent checks what comes out."""
    module = types.ModuleType("__main__")
    namespace = module.__dict__
    namespace["__builtins__"] = builtins
    sys.modules["__main__"] = module  # so dataclasses, pickle & co. find the student's module
    runner = protocol.Runner(namespace)
    try:
        while True:
            request = wire.decode(protocol.read_frame(requests, MAX_REQUEST), MAX_REQUEST)
            reply = runner.handle(request)
            reply["seq"] = request["seq"]
            protocol.write_frame(responses, _encode_reply(reply))
    except protocol.Closed:
        return


def _child(requests, responses, zygote_pid, memory_mb, cpu_seconds, drop_root, rules):
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:  # the zygote died before the line above took effect
        os._exit(72)
    _lock_down(requests, responses, memory_mb, cpu_seconds, drop_root, rules)
    _serve(requests, responses)


# ---------------------------------------------------------------------------------------------
# The zygote: fork children on request, kill and reap them, never run student code itself.
# ---------------------------------------------------------------------------------------------

def _zygote(control_fd, memory_mb, cpu_seconds, preimports):
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    control = socket.socket(fileno=control_fd)
    for name in preimports:  # once, not per child; pyplot's first import needs a writable cache
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional: without it a student's import fails on its own
            pass
    drop_root = os.geteuid() == 0 and _effective_capabilities() != 0
    rules = _seccomp_rules()
    gc.freeze()  # keep the warm heap out of every child's garbage collections (and copies)
    control.send(b"ready")
    children, exited = set(), {}
    while True:
        readable = select.select([control], [], [], 1.0)[0]
        _reap(children, exited)
        if not readable:
            continue
        message, fds, _, _ = socket.recv_fds(control, 64, 2)
        if not message:
            break  # the parent is gone
        command, _, argument = message.decode("ascii", "replace").partition(" ")
        if command == "fork" and len(fds) == 2:
            zygote_pid = os.getpid()
            pid = os.fork()
            if pid == 0:
                status = 70
                try:
                    control.detach()
                    _child(*fds, zygote_pid, memory_mb, cpu_seconds, drop_root, rules)
                    status = 0
                finally:
                    os._exit(status)
            children.add(pid)
            reply = f"pid {pid}"
        elif command == "kill" and argument.isdigit():
            reply = f"status {_kill(int(argument), children, exited)}"
        elif command == "shutdown":
            break
        else:
            reply = "error"
        for fd in fds:
            os.close(fd)
        control.send(reply.encode())
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os._exit(0)


def _reap(children, exited):
    """Collect finished children (and orphans handed to us as subreaper) without blocking."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in children:
            children.discard(pid)
            exited[pid] = status


def _kill(pid, children, exited):
    """SIGKILL one of *our* children and return its wait status; never signal any other pid."""
    if pid in children:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        children.discard(pid)
        return status
    return exited.pop(pid, -1)


if __name__ == "__main__":
    if sys.argv[1:2] != ["zygote"] or len(sys.argv) < 5:
        sys.exit("usage: child.py zygote CONTROL_FD MEMORY_MB CPU_SECONDS MODULE...")
    _zygote(*(int(argument) for argument in sys.argv[2:5]), sys.argv[5:])
