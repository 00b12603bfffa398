"""What the trusted side and student code agree on, in one file both sides import.

The trusted side imports it as ``autograder.sandbox.protocol``; the child imports it as
``protocol`` (bind-mounted read-only next to child.py), so it may import only the standard
library and numpy. It holds how frames travel (an 8-byte length header, then the body), the
requests and the kinds of replies, how a reply is checked against its request, the seeding rule,
and :class:`Runner`, which carries requests out on student code. The runner serves the sandbox's
child and InProcessStudent alike, so both give the same answers.

Requests (a ``seq`` number is added by the sandbox's session):
``exec`` label, source · ``load`` statements (a list of [label, source] or [label, source,
bytecode], the bytecode being :func:`bytecode`'s: one ``exec`` reply per statement, with its
``index``, as each finishes) · ``defines`` name · ``call`` name, target (None
for a function, else an object handle), args, kwargs, mutating, strict (NumPy's floating-point
warnings raise) · ``new`` name, handle, args, kwargs · ``bare`` name, handle, state, aliases ·
``get`` target, name · ``set`` target, name, value.
"""
from __future__ import annotations

import contextlib
import itertools
import marshal
import math
import os
import random
import select
import struct
import time
from collections.abc import Iterator

import numpy as np

HEADER = struct.Struct("!Q")
MAX_MESSAGE = 240
MAX_ITEMS = 10_000
#: What a strict call does with NumPy's floating-point warnings: raise them (underflow stays quiet).
STRICT_ERRORS = {"over": "raise", "divide": "raise", "invalid": "raise"}
#: A root zygote's children run as uid UID_BASE + their pid: no other process has that uid.
UID_BASE = 1 << 30
#: Reply kinds of a request that ran student code and gave no answer.
FAILURES = ("missing", "notimpl", "raised", "bad")


class Closed(Exception):
    """The other end of the pipe is gone."""


class TooLarge(Exception):
    """A frame announced more bytes than its reader accepts."""


class Timeout(Exception):
    """A deadline passed before the pipe was ready."""


# ------------------------------------------------------------------------------------- framing

def wait_for(fd: int, events: int, deadline: float) -> None:
    """Block until ``fd`` is ready for ``events`` or raise Timeout at ``deadline``."""
    remaining = deadline - time.monotonic()
    poller = select.poll()
    poller.register(fd, events)
    if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
        raise Timeout


def write_frame(fd: int, body: bytes, deadline: float | None = None) -> None:
    """Header and body. With a deadline ``fd`` should be non-blocking, so that a reader that
    stops reading cannot stall the writer; without one the write blocks (the child)."""
    view = memoryview(HEADER.pack(len(body)) + body)
    while view:
        if deadline is not None:
            wait_for(fd, select.POLLOUT, deadline)
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue
        except OSError:  # EPIPE: the reader is gone
            raise Closed from None


def read_frame(fd: int, max_bytes: int, deadline: float | None = None) -> bytes:
    """One frame's body; TooLarge before reading a body above ``max_bytes``."""
    size, = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if size > max_bytes:
        raise TooLarge
    return _read_exact(fd, size, deadline)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks = []
    while size:
        if deadline is not None:
            wait_for(fd, select.POLLIN, deadline)
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise Closed
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# ------------------------------------------------------------------------------------- replies

def well_formed(request: dict, reply: object, position: int = 0) -> bool:
    """Whether ``reply`` answers ``request`` (as its reply number ``position``, for a ``load``):
    same sequence number, a kind and value fit for its op."""
    if not (isinstance(reply, dict) and type(reply.get("seq")) is int and reply["seq"] == request["seq"]):
        return False
    kind, op = reply.get("kind"), request["op"]
    if op == "load" and not (type(reply.get("index")) is int and reply["index"] == position):
        return False
    if op in ("exec", "load"):
        return kind == "done" and (reply.get("problem") is None or isinstance(reply.get("problem"), str))
    if op == "defines":
        return kind == "done" and isinstance(reply.get("defined"), bool)
    if kind in FAILURES:
        return True
    if kind != "ok" or "value" not in reply:
        return False
    value = reply["value"]
    if op in ("new", "bare", "set"):
        return value is None
    if request.get("mutating"):
        return (isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], list)
                and isinstance(value[2], dict))
    return True


def compiled(label: str, source: str):
    """One statement's code object, compiled the one way every side runs statements."""
    return compile(source, label, "exec", dont_inherit=True)


def bytecode(label: str, source: str) -> np.ndarray | None:
    """``compiled`` as marshal bytes in a uint8 array (plain data for the wire), or None when it
    does not compile: the runner then compiles it itself and reports the error as always.

    Only the trusted side calls this, on statements it has already parsed: a child loads the
    bytes instead of compiling, which in a freshly forked process costs twice as much (its
    compiler's memory is all copy-on-write).
    """
    try:
        data = marshal.dumps(compiled(label, source))
    except Exception:  # noqa: BLE001 - SyntaxError, RecursionError, MemoryError ...: the child says
        return None
    return np.frombuffer(data, dtype=np.uint8)


def seed() -> None:
    """The one seeding rule, applied before every run of student code wherever it runs."""
    np.random.seed(0)
    random.seed(0)


def describe(error: BaseException) -> str:
    """'Type: message', cut short; a hostile ``__str__`` gets a stock text instead."""
    try:
        text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not take the runner down
        text = "an exception whose message could not be shown"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class TooManyItems(ValueError):
    """An iterator answer went on past MAX_ITEMS."""


def listed(value: object) -> object:
    """An iterator (a generator above all) as a list of at most MAX_ITEMS; anything else as is."""
    if not isinstance(value, Iterator):
        return value
    items = list(itertools.islice(value, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise TooManyItems(f"the answer is an iterator that gave more than {MAX_ITEMS} items")
    return items


# ------------------------------------------------------------------------------------- the runner

class _Missing(Exception):
    """The name asked for is not there (or not callable, or not a class)."""


class Runner:
    """Carries out requests on one namespace of student code and the objects made from it.

    Replies hold raw values; the caller encodes them. It is only right for honest students:
    student code shares its process and may change it, so the trusted side believes nothing
    beyond what ``wire.decode`` and :func:`well_formed` accept. ``reraise`` names exceptions
    that must pass through (KeyboardInterrupt in a live kernel).
    """

    def __init__(self, namespace: dict, reraise: tuple[type[BaseException], ...] = ()):
        self.namespace = namespace
        self.objects: dict[int, object] = {}
        self._reraise = reraise

    def handle(self, request: dict) -> dict:
        op = request["op"]
        if op == "exec":
            return {"kind": "done", "problem": self._exec(request["label"], request["source"])}
        if op == "defines":
            return {"kind": "done", "defined": callable(self.namespace.get(request["name"]))}
        work = {"call": self._call, "new": self._new, "bare": self._bare,
                "get": self._get, "set": self._set}[op]
        seed()
        try:
            return {"kind": "ok", "value": work(request)}
        except _Missing:
            return {"kind": "missing"}
        except NotImplementedError:
            return {"kind": "notimpl"}
        except TooManyItems as error:
            return {"kind": "bad", "message": str(error)}
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
            if isinstance(error, self._reraise):
                raise
            return {"kind": "raised", "message": describe(error)}

    def load(self, statements: list) -> Iterator[dict]:
        """The replies to a ``load`` request: one per statement, as soon as it has run."""
        for index, (label, source, *code) in enumerate(statements):
            yield {"kind": "done", "index": index, "problem": self._exec(label, source, *code)}

    def _exec(self, label: str, source: str, code: np.ndarray | None = None) -> str | None:
        try:
            code = compiled(label, source) if code is None else marshal.loads(code.tobytes())
            seed()
            exec(code, self.namespace)  # noqa: S102 - running student code is the point
        except BaseException as error:  # noqa: BLE001
            return describe(error)
        return None

    def _call(self, request: dict) -> object:
        name, args, kwargs = request["name"], request["args"], request["kwargs"]
        if request["target"] is None:
            function = self.namespace.get(name)
        else:
            function = self._attribute(self.objects[request["target"]], name)
        if not callable(function):
            raise _Missing
        with np.errstate(**STRICT_ERRORS) if request.get("strict") else contextlib.nullcontext():
            answer = listed(function(*args, **kwargs))
        return (answer, args, kwargs) if request["mutating"] else answer

    def _class(self, name: str) -> type:
        cls = self.namespace.get(name)
        if not isinstance(cls, type):
            raise _Missing
        return cls

    def _new(self, request: dict) -> None:
        self.objects[request["handle"]] = self._class(request["name"])(*request["args"], **request["kwargs"])

    def _bare(self, request: dict) -> None:
        """An instance made without ``__init__``; aliases are dicts of the very same objects."""
        cls = self._class(request["name"])
        instance = cls.__new__(cls)
        if type(instance) is not cls:
            raise TypeError(f"{cls.__name__}.__new__ did not return a new {cls.__name__}")
        for name, value in request["state"].items():
            setattr(instance, name, value)
        for name, members in request["aliases"].items():
            setattr(instance, name, {member: getattr(instance, member) for member in members})
        self.objects[request["handle"]] = instance

    def _get(self, request: dict) -> object:
        return listed(self._attribute(self.objects[request["target"]], request["name"]))

    def _set(self, request: dict) -> None:
        setattr(self.objects[request["target"]], request["name"], request["value"])

    @staticmethod
    def _attribute(instance: object, name: str) -> object:
        """``getattr``; missing only when the lookup of ``name`` itself failed, not one inside a
        property (that one is the student's own error, shown as raised)."""
        try:
            return getattr(instance, name)
        except AttributeError as error:
            if error.name == name:
                raise _Missing from None
            raise
