"""The untrusted side: a pre-warmed zygote that forks one locked-down child per submission.

Started by the trusted parent (launch.py) as ``python -S -s -B child.py zygote CONTROL_FD SETTINGS``,
inside bubblewrap when the isolation is "bubblewrap". SETTINGS is a JSON object: ``memory_mb``,
``cpu_seconds``, ``preimports`` (modules imported once, for every child), ``isolation``
("bubblewrap", "landlock" or "none"), ``site`` (the site directories: ``-S`` runs no ``.pth``
file, so no editable-install finder of the graders ever loads here) and ``hidden`` (entries of
those directories that are the grading package's own, which a child may not read).

This file may import only the standard library, numpy, pyseccomp, landlockpy and its siblings
``protocol.py`` and ``wire.py``: the autograder package is not importable in the sandbox.

The zygote pays for the imports once; every ``fork`` request gets a child that takes a uid of
its own (when the zygote is root), confines its reads with Landlock (isolation "landlock"), sets
resource limits and loads a seccomp filter *before* it reads the first line of student code.
Nothing the child says is trusted by the parent, so the child only needs to be correct for honest
students; keeping dishonest ones contained is the job of the limits, the filters and the parent.
"""
import json
import sys

if __name__ != "__main__" or sys.argv[1:2] != ["zygote"] or len(sys.argv) != 4:
    sys.exit("usage: child.py zygote CONTROL_FD SETTINGS_JSON")
SETTINGS = json.loads(sys.argv[3])
sys.path.extend(SETTINGS["site"])  # what site.py would add, without running any .pth file

import contextlib  # noqa: E402
import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import errno  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before numpy is imported: a BLAS thread pool needs clone()

import builtins  # noqa: E402
import collections  # noqa: E402,F401  (pre-imported so student imports cost nothing)
import copy  # noqa: E402,F401
import functools  # noqa: E402
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

HERE = os.path.dirname(os.path.abspath(__file__))
#: The sandbox's own modules, the only files of the grading package a child may read.
OWN_FILES = ("child.py", "protocol.py", "wire.py")
#: System files every child may read under Landlock: what bubblewrap mounts, no more.
SYSTEM_PATHS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32",
                "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
MAX_REQUEST = 1 << 40  # requests come from the trusted parent; the cap only keeps decode() happy

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
CAPABILITY_VERSION_3 = 0x20080522
CLONE_NEWNS = 0x20000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
TIOCSTI, FIOASYNC, FIOSETOWN, SIOCSPGRP = 0x5412, 0x5452, 0x8901, 0x8902
F_SETFL, F_SETOWN, F_SETSIG, F_SETOWN_EX, F_SETLEASE = 4, 8, 10, 15, 1024
F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW = 6, 7, 37, 38
IOPRIO_WHO_PROCESS = 1
MADV_COLLAPSE, HUGE_PAGE = 25, 2 * 2**20

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


@contextlib.contextmanager
def _sonames():
    """pyseccomp and landlockpy find libc with ctypes.util.find_library, which needs ldconfig
    and /etc/ld.so.cache; bubblewrap has neither, but the dynamic loader finds the sonames."""
    find_library = ctypes.util.find_library
    sonames = {"seccomp": "libseccomp.so.2", "c": "libc.so.6"}
    ctypes.util.find_library = lambda name: sonames.get(name) or find_library(name)
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


with _sonames():
    import pyseccomp as seccomp

#: Denied outright: new processes and programs, networking, other processes' memory, changes to
#: the file system, identity changes, namespaces and mounts, System V IPC and file locks (a lock
#: on a file the grader writes would stall it), and kernel attack surface numpy never needs.
DENIED = (
    "fork", "vfork", "clone", "execve", "execveat",
    "socket", "socketpair", "connect", "bind",
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "process_mrelease", "kcmp",
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
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "mq_open",
    "flock",
)
#: May only name the child itself (its own pid): pid 0 and negative pids reach the zygote's group.
OWN_PID_ONLY = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open")
#: May only name the caller as pid 0: resource limits, scheduling and memory placement of others.
CALLER_ONLY = ("prlimit64", "sched_setscheduler", "sched_setparam", "sched_setaffinity", "sched_setattr",
               "migrate_pages", "move_pages")
#: fcntl commands that reach other processes: signals on I/O (SIGIO to an owner of our choice),
#: leases and record locks (which stall whoever else opens or locks the file).
FCNTL_DENIED = (F_SETOWN, F_SETOWN_EX, F_SETSIG, F_SETLEASE, F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW)
#: ioctls that type into a terminal or set up signal-driven I/O like the fcntls above.
IOCTL_DENIED = (TIOCSTI, FIOASYNC, FIOSETOWN, SIOCSPGRP)
#: Any of these flags makes an open() able to change a file; O_ASYNC asks for SIGIO.
OPEN_DENIED_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND, os.O_ASYNC)


def _check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _prctl(option, value):
    _check(_libc.prctl(option, value, 0, 0, 0), f"prctl({option})")


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _capabilities():
    """(effective, permitted) capability masks, from capget: /proc may be unreadable."""
    data = (_CapabilityData * 2)()
    _check(_libc.capget(ctypes.byref(_CapabilityHeader(CAPABILITY_VERSION_3, 0)), data), "capget")
    return (data[0].effective | data[1].effective << 32, data[0].permitted | data[1].permitted << 32)


# ---------------------------------------------------------------------------------------------
# Set up once, in the zygote.
# ---------------------------------------------------------------------------------------------

def _runtime_paths():
    """Where the child imports from: the standard library, the site directories, our own folder."""
    return [path for path in dict.fromkeys(os.path.realpath(p) for p in sys.path if p) if os.path.exists(path)]


def _expose_runtime(paths):
    """Root outside bubblewrap, whose children take a uid of their own: a folder on the way to
    ``paths`` that only root may enter (pyenv under /root) would keep them from importing.

    In a mount namespace of the zygote's own, each such folder is covered by an empty tmpfs that
    holds only the entries leading to ``paths``, bound from the originals: the runtime is
    reachable without any capability, and nothing else in that folder is even visible.
    """
    closed = {}  # folder -> names of its entries on the way to a path
    for path in paths:
        parts = path.split(os.sep)[1:]
        for depth in range(len(parts) - 1):
            folder = os.sep + os.sep.join(parts[:depth])
            if not os.stat(folder).st_mode & 0o001:
                closed.setdefault(folder, set()).add(parts[depth])
    if not closed:
        return
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    kept = {(folder, name): os.open(os.path.join(folder, name), os.O_PATH | os.O_CLOEXEC)
            for folder, names in closed.items() for name in names}  # before anything is covered
    for folder in sorted(closed, key=lambda f: f.count(os.sep)):  # outermost first
        _check(_libc.mount(b"tmpfs", folder.encode(), b"tmpfs", 0, b"mode=0755,size=1m"), f"tmpfs on {folder}")
        for name in closed[folder]:
            fd, target = kept[(folder, name)], os.path.join(folder, name)
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.mkdir(target)
            else:
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            _check(_libc.mount(f"/proc/self/fd/{fd}".encode(), target.encode(), None, MS_BIND | MS_REC, None),
                   f"bind {target}")
    for fd in kept.values():
        os.close(fd)


def _landlock(hidden):
    """What a child calls to confine itself with Landlock: read the system, the Python runtime,
    the site directories but for ``hidden``, and the sandbox's own modules; nothing else, and
    write nothing anywhere. Signals and abstract sockets stay within the child's own domain (each
    child makes a domain of its own). The ruleset is built once, here in the zygote."""
    with _sonames():
        import landlockpy
        ruleset = landlockpy.Ruleset(scoped=landlockpy.Scope.ABSTRACT_UNIX_SOCKET | landlockpy.Scope.SIGNAL)
    hidden = {os.path.realpath(path) for path in hidden}
    readable = [*SYSTEM_PATHS, *(path for path in _runtime_paths() if path != HERE),
                *(os.path.join(HERE, name) for name in OWN_FILES)]
    for path in readable:
        if os.path.exists(path):
            _allow(ruleset, landlockpy.AccessFS, os.path.realpath(path), hidden)
    # Denials are not logged: a hostile submission could flood the kernel log.
    return functools.partial(ruleset.restrict, landlockpy.RestrictFlag.LOG_SAME_EXEC_OFF)


def _allow(ruleset, access, path, hidden):
    """Allow reading ``path`` (a folder: all below it) except what ``hidden`` names, entry by entry
    along the way to each hidden path."""
    if path in hidden:
        return
    if not os.path.isdir(path):
        ruleset.allow_path(path, access.READ_FILE)
    elif not any(other.startswith(path + os.sep) for other in hidden):
        ruleset.allow_path(path, access.READ_FILE | access.READ_DIR)
    else:
        for entry in os.scandir(path):
            _allow(ruleset, access, os.path.realpath(entry.path), hidden)


#: Stands for the child's pid in the filter's program until the child writes its own in: no
#: pid reaches it (pid_max is at most 2**22) and no other constant of the filter equals it.
PID_PLACEHOLDER = 0x2BADF00D
#: struct sock_filter: code, jt, jf, k; a comparison of the accumulator with k is BPF_JMP|BPF_JEQ|BPF_K.
BPF_INSTRUCTION, BPF_JEQ_K = struct.Struct("<HBBI"), 0x15


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


class _SeccompProgram:
    """The filter as the kernel runs it, compiled by libseccomp once, here in the zygote, with a
    placeholder for the child's pid; a child writes its own pid in and loads it. Compiling it
    in every child cost 1.6 ms and 300 page faults; so does making ctypes objects there, so the
    program's buffer and its sock_fprog are made here too."""

    def __init__(self, rules):
        for name in OWN_PID_ONLY:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(0, seccomp.NE, PID_PLACEHOLDER))
        with open(os.memfd_create("seccomp", os.MFD_CLOEXEC), "w+b") as exported:
            rules.export_bpf(exported)
            exported.seek(0)
            program = exported.read()
        found = [offset for offset in range(0, len(program), BPF_INSTRUCTION.size)
                 if BPF_INSTRUCTION.unpack_from(program, offset)[3] == PID_PLACEHOLDER]
        if not found or any(BPF_INSTRUCTION.unpack_from(program, offset)[0] != BPF_JEQ_K for offset in found):
            raise RuntimeError("the seccomp program does not compare pids the way they are written in")
        self._pid_offsets = [offset + 4 for offset in found]  # k, after code, jt and jf
        self._code = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // BPF_INSTRUCTION.size, ctypes.cast(self._code, ctypes.c_char_p))
        self._pointer = ctypes.byref(self._fprog)

    def load(self):
        """What seccomp_load does, for this process's pid: no new privileges, then the filter."""
        for offset in self._pid_offsets:
            struct.pack_into("<I", self._code, offset, os.getpid())
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self._pointer, 0, 0), "prctl(PR_SET_SECCOMP)")


def _seccomp_rules():
    """Every rule but those naming the child's own pid."""
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED:
        rules.add_rule(deny, name)
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # glibc then falls back to clone
    for name, flags_arg in (("open", 1), ("openat", 2)):
        for flag in OPEN_DENIED_FLAGS:
            rules.add_rule(deny, name, seccomp.Arg(flags_arg, seccomp.MASKED_EQ, flag, flag))
    for name in CALLER_ONLY:
        rules.add_rule(deny, name, seccomp.Arg(0, seccomp.NE, 0))
    rules.add_rule(deny, "setpriority", seccomp.Arg(0, seccomp.NE, 0))  # PRIO_PROCESS ...
    rules.add_rule(deny, "setpriority", seccomp.Arg(1, seccomp.NE, 0))  # ... of the caller
    rules.add_rule(deny, "ioprio_set", seccomp.Arg(0, seccomp.NE, IOPRIO_WHO_PROCESS))
    rules.add_rule(deny, "ioprio_set", seccomp.Arg(1, seccomp.NE, 0))
    for command in FCNTL_DENIED:
        rules.add_rule(deny, "fcntl", seccomp.Arg(1, seccomp.EQ, command))
    rules.add_rule(deny, "fcntl", seccomp.Arg(1, seccomp.EQ, F_SETFL),
                   seccomp.Arg(2, seccomp.MASKED_EQ, os.O_ASYNC, os.O_ASYNC))
    for request in IOCTL_DENIED:
        rules.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.EQ, request))
    rules.add_rule(deny, "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_PDEATHSIG))  # outliving us
    return rules


def _collapse_heap():
    """Back the warm heap with huge pages where the kernel can (MADV_COLLAPSE, Linux 6.1 on;
    elsewhere madvise fails and nothing changes): forking a child then copies one page-table
    entry per 2 MB instead of 512, and its exit tears down as few, 2-3 ms less CPU a child.
    Copy-on-write stays per 4 kB page: a child's writes split the huge page they land in."""
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            fields = line.split()
            if fields[1] != "rw-p" or fields[5:] not in ([], ["[heap]"]):  # private, anonymous
                continue
            low, high = (int(bound, 16) for bound in fields[0].split("-"))
            start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
            if end > start:
                _libc.madvise(start, end - start, MADV_COLLAPSE)


# ---------------------------------------------------------------------------------------------
# The child: lock down, then serve requests over two pipes.
# ---------------------------------------------------------------------------------------------

def _take_own_uid():
    """Root with capabilities (no bubblewrap): every check below would be void, so take a uid
    that no other process has and keep no capability. Then no other child, no other worker's
    child and no grader process can be signalled, reniced or read through /proc by this one."""
    uid = protocol.UID_BASE + os.getpid()
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to another uid: every capability goes
    importable = all(os.access(path, os.R_OK | os.X_OK) for path in _runtime_paths() if os.path.isdir(path))
    if os.geteuid() != uid or os.getuid() != uid or _capabilities() != (0, 0) or not importable:
        os._exit(71)


def _lock_down(requests, responses, settings, drop_root, confine, program):
    """Everything that must hold before student code runs, in an order where each step still
    has the rights it needs: identity, Landlock, fds, limits, then the seccomp filter last."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # prints cost nothing and are never read
    if drop_root:
        _take_own_uid()
    if confine is not None:
        confine()
    keep = sorted({0, 1, 2, requests, responses})
    for low, high in zip(keep, keep[1:] + [2**31 - 1]):
        os.closerange(low + 1, high)  # the zygote's control socket and the ruleset above all
    memory = settings["memory_mb"] * 2**20
    cpu_seconds = settings["cpu_seconds"]
    for limit, value in (
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1)),
        (resource.RLIMIT_FSIZE, (0, 0)),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_NPROC, (0, 0)),
        (resource.RLIMIT_CORE, (0, 0)),
    ):
        resource.setrlimit(limit, value)
    program.load()


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
            replies = runner.load(request["statements"]) if request["op"] == "load" else [runner.handle(request)]
            for reply in replies:
                reply["seq"] = request["seq"]
                protocol.write_frame(responses, _encode_reply(reply))
    except protocol.Closed:
        return


def _child(requests, responses, zygote_pid, settings, drop_root, confine, program):
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:  # the zygote died before the line above took effect
        os._exit(72)
    _lock_down(requests, responses, settings, drop_root, confine, program)
    _serve(requests, responses)


# ---------------------------------------------------------------------------------------------
# The zygote: fork children on request, kill and reap them, never run student code itself.
# ---------------------------------------------------------------------------------------------

def _zygote(control_fd, settings):
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    control = socket.socket(fileno=control_fd)
    for name in settings["preimports"]:  # once, not per child; pyplot's first import needs a writable cache
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional: without it a student's import fails on its own
            pass
    drop_root = os.geteuid() == 0 and any(_capabilities())  # under bubblewrap: none to drop
    if drop_root:
        _expose_runtime(_runtime_paths())
    confine = _landlock(settings["hidden"]) if settings["isolation"] == "landlock" else None
    program = _SeccompProgram(_seccomp_rules())
    gc.freeze()  # keep the warm heap out of every child's garbage collections (and copies)
    _collapse_heap()
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
                    _child(*fds, zygote_pid, settings, drop_root, confine, program)
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


_zygote(int(sys.argv[2]), SETTINGS)
