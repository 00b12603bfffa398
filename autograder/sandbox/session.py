"""The Student API as requests and replies, and the sandboxed student that sends them to a child.

:class:`Session` turns every Student call into one request of :mod:`.protocol` and its reply
into plain data or a :class:`~autograder.student.StudentError`; subclasses only decide where a
request runs. :class:`SandboxedStudent` runs it in a forked child and believes nothing the child
says beyond what ``wire.decode`` and ``protocol.well_formed`` accept: a child may lie, hang,
die, flood its pipe or forge replies. Only inputs go in.
"""
from __future__ import annotations

import functools
import itertools
import os
import signal
import time
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..student import (
    MAX_MESSAGE,
    BadAnswer,
    LostObject,
    MissingAttribute,
    MissingFunction,
    NotImplementedByStudent,
    StudentCrash,
    StudentError,
    StudentRaised,
    StudentTimeout,
)
from . import protocol, wire

if TYPE_CHECKING:
    from .host import Sandbox
    from .launch import Child

#: Wait statuses get a word on what probably happened.
SIGNAL_HINTS = {
    signal.SIGXCPU: "the CPU time limit",
    signal.SIGSEGV: "a crash, e.g. infinite recursion",
}


#: Statements compiled once per process and remembered, by label and source: the code a class
#: has in common (imports, given helpers) is most of it. At most MEMO_STATEMENTS statements of
#: at most MEMO_CHARS characters each are kept; longer ones are compiled every time.
MEMO_STATEMENTS, MEMO_CHARS = 512, 20_000
_remembered_bytecode = functools.lru_cache(maxsize=MEMO_STATEMENTS)(protocol.bytecode)


def _load_entry(label: str, source: str) -> list:
    """A statement as a ``load`` request carries it: with its bytecode when it compiles."""
    code = (_remembered_bytecode if len(source) <= MEMO_CHARS else protocol.bytecode)(label, source)
    return [label, source] if code is None else [label, source, code]


class SandboxError(RuntimeError):
    """The sandbox itself cannot run: the grader's environment is at fault, not the student."""


class _Timeout(Exception):
    """A deadline passed; ``whole_submission`` when the submission's budget was the tighter one."""

    def __init__(self, whole_submission: bool):
        super().__init__()
        self.whole_submission = whole_submission


class _Died(Exception):
    """The child's end of the pipes closed; the message says how the child ended."""


class _Garbled(Exception):
    """The child replied with something that is not a well-formed answer to this request."""


def seconds(value: float) -> str:
    return f"{value:g} s"


def clean(text: Any, fallback: str = "(no message)") -> str:
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


class StudentObject:
    """An object of the student's, held where the student's code runs and addressed by a handle.

    Only plain data goes in and comes out, as with ``Student.call``.
    """

    def __init__(self, session: Session, class_name: str, handle: int):
        self.class_name = class_name
        self.handle = handle
        self._session = session

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._session._call(self, method, args, kwargs, mutating=False)

    def call_mutating(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        """(answer, args, kwargs) with the arguments as the method left them."""
        return self._session._call(self, method, args, kwargs, mutating=True)

    def get(self, attribute: str) -> Any:
        return self._session._ask({"op": "get", "target": self.handle, "name": attribute},
                                  f"{self.class_name}.{attribute}", self._missing(attribute))

    def set(self, attribute: str, value: Any) -> None:
        self._session._ask({"op": "set", "target": self.handle, "name": attribute, "value": value},
                           f"{self.class_name}.{attribute}", self._missing(attribute))

    def _missing(self, attribute: str) -> MissingAttribute:
        return MissingAttribute(f"your {self.class_name} object has no attribute named {attribute}")


class Session:
    """The Student protocol in terms of one method, :meth:`_request`, that subclasses provide."""

    load_problems: dict[str, str]

    def __init__(self) -> None:
        self._handles = itertools.count(1)

    def _request(self, request: dict, subject: str) -> dict:
        """The well-formed reply to ``request``, or a StudentError about ``subject``."""
        raise NotImplementedError

    def defines(self, function: str) -> bool:
        """Whether a callable of that name exists; False as well when nothing can run any more."""
        try:
            reply = self._request({"op": "defines", "name": function}, function)
        except (StudentTimeout, StudentCrash, BadAnswer):
            return False
        return reply["defined"]

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._call(None, function, args, kwargs, mutating=False)

    def call_mutating(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        return self._call(None, function, args, kwargs, mutating=True)

    def call_strict(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._call(None, function, args, kwargs, mutating=False, strict=True)

    def new(self, class_name: str, *args: Any, **kwargs: Any) -> StudentObject:
        return self._make({"op": "new", "name": class_name, "args": list(args), "kwargs": kwargs},
                          f"{class_name}.__init__")

    def bare(self, class_name: str, state: dict[str, Any],
             aliases: dict[str, list[str]] | None = None) -> StudentObject:
        aliases = aliases or {}
        if not all(isinstance(name, str) for name in [*state, *aliases]):
            raise TypeError("bare() takes attribute names as str")
        unknown = [name for members in aliases.values() for name in members if name not in state]
        if unknown:
            raise ValueError(f"bare() aliases may only name attributes of state, not {unknown}")
        return self._make({"op": "bare", "name": class_name, "state": state,
                           "aliases": {name: list(members) for name, members in aliases.items()}},
                          f"{class_name}.__new__")

    def _make(self, request: dict, subject: str) -> StudentObject:
        request["handle"] = next(self._handles)
        self._ask(request, subject, MissingFunction(f"your notebook does not define a class named "
                                                    f"{request['name']}"))
        return StudentObject(self, request["name"], request["handle"])

    def _call(self, target: StudentObject | None, name: str, args: tuple, kwargs: dict,
              mutating: bool, strict: bool = False) -> Any:
        subject = name if target is None else f"{target.class_name}.{name}"
        missing = f"a function named {name}" if target is None else f"a method {subject}"
        return self._ask({"op": "call", "target": None if target is None else target.handle,
                          "name": name, "args": list(args), "kwargs": kwargs, "mutating": mutating,
                          "strict": strict},
                         subject, MissingFunction(f"your notebook does not define {missing}"))

    def _ask(self, request: dict, subject: str, missing: StudentError) -> Any:
        """The answer's value, or the StudentError its reply stands for."""
        reply = self._request(request, subject)
        kind = reply["kind"]
        if kind == "ok":
            return reply["value"]
        if kind == "missing":
            raise missing
        if kind == "notimpl":
            raise NotImplementedByStudent(f"{subject} still raises NotImplementedError")
        raise (StudentRaised if kind == "raised" else BadAnswer)(clean(reply.get("message")))


class SandboxedStudent(Session):
    """The :class:`~autograder.student.Student` of one submission, running in a child process.

    Every request is bounded by ``limits.call_seconds`` and all of them together by
    ``limits.submission_seconds``. A child that hangs, dies or garbles its reply is killed, and
    the objects in it are lost; the next request gets a fresh child that re-runs the statements,
    except that what ran out of time fails fast from then on (an endless loop must not cost
    every test case).
    """

    def __init__(self, box: Sandbox, statements: list[tuple[str, str]]):
        super().__init__()
        self._box = box
        self._statements = [_load_entry(str(label), str(source)) for label, source in statements]
        self._skipped: set[int] = set()  # statements that killed their child: never again
        self._child: Child | None = None
        self._seq = 0
        self._budget = float(box.limits.submission_seconds)
        self._timed_out: dict[str, str] = {}  # subject -> message
        self._live: set[int] = set()  # handles of the objects in the current child
        self._stopped: str | None = None  # load or submission time limit hit: nothing runs now
        self._closed = False
        self.load_problems: dict[str, str] = {}
        self._start()

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

    def _start(self) -> None:
        """Fork a child and have it exec the statements in one request, all within one
        call_seconds; it replies as each statement finishes, so a failure is pinned on one.

        A statement whose child dies or garbles its reply is recorded and skipped, and loading
        starts over in a fresh child, so it loses only what it defines. A statement that runs
        out of time stops the whole submission: every later call reports that timeout.
        """
        limit = self._box.limits.call_seconds
        started = time.monotonic()
        while True:
            self._child = self._box._fork()
            pending = [index for index in range(len(self._statements)) if index not in self._skipped]
            request = {"op": "load", "statements": [self._statements[index] for index in pending]}
            loaded = 0
            try:
                for reply in self._exchange(request, limit - (time.monotonic() - started), replies=len(pending)):
                    if reply["problem"] is not None:
                        self.load_problems.setdefault(self._statements[pending[loaded]][0], clean(reply["problem"]))
                    loaded += 1
                return
            except _Timeout as timeout:
                label = self._statements[pending[loaded]][0]
                self._stopped = (self._submission_message() if timeout.whole_submission else
                                 f"loading your notebook's code took longer than the "
                                 f"{seconds(limit)} limit and was stopped in {label}")
                self.load_problems.setdefault(label, self._stopped)
                return
            except (_Died, _Garbled) as failure:
                self.load_problems.setdefault(self._statements[pending[loaded]][0],
                                              f"running this cell ended its process ({failure})"
                                              if isinstance(failure, _Died) else str(failure))
                self._skipped.add(pending[loaded])

    def _submission_message(self) -> str:
        return (f"your notebook used up its total time limit of "
                f"{seconds(self._box.limits.submission_seconds)} and was stopped")

    def _request(self, request: dict, subject: str) -> dict:
        """One request in a live child, with every failure turned into a StudentError."""
        if self._closed:
            raise SandboxError("this submission's sandbox is closed")
        runs_code = request["op"] != "defines"
        if runs_code and subject in self._timed_out:
            raise StudentTimeout(self._timed_out[subject])
        if self._stopped is None and (self._child is None or self._child.zygote is not self._box._zygote):
            self._discard_child()
            self._start()
        if self._stopped is not None:
            raise StudentTimeout(self._stopped)
        if request.get("target") is not None and request["target"] not in self._live:
            raise LostObject(f"{subject} could not run: its object was lost because an earlier "
                             f"call ended the process it lived in")
        limit = self._box.limits.call_seconds
        try:
            reply, = self._exchange(request, limit)
        except _Timeout as timeout:
            if timeout.whole_submission:
                self._stopped = self._submission_message()
                raise StudentTimeout(self._stopped) from None
            message = f"{subject} took longer than the {seconds(limit)} time limit and was stopped"
            if runs_code:
                self._timed_out[subject] = message
            raise StudentTimeout(message) from None
        except _Died as died:
            raise StudentCrash(f"the process running {subject} ended during the call "
                               f"({died})") from None
        except _Garbled as garbled:
            raise BadAnswer(str(garbled)) from None
        if request["op"] in ("new", "bare") and reply["kind"] == "ok":
            self._live.add(request["handle"])
        return reply

    def _exchange(self, request: dict, limit: float, replies: int = 1) -> Iterator[dict]:
        """Send one frame, then read ``replies`` back (a ``load`` gets one per statement), all
        within ``limit`` seconds and the submission's budget; each is yielded as it arrives.

        On any failure the child is killed and forgotten before the error is raised; a _Died
        then carries how the child ended.
        """
        self._seq += 1
        request["seq"] = self._seq
        body = wire.encode(request)  # the grader's own inputs: a WireError here is a grader bug
        allowed = min(limit, self._budget)
        started = time.monotonic()
        deadline = started + allowed
        max_bytes = self._box.limits.output_mb * 2**20
        child = self._child
        try:
            if allowed <= 0:
                raise protocol.Timeout
            protocol.write_frame(child.requests, body, deadline)
            for position in range(replies):
                reply = wire.decode(protocol.read_frame(child.responses, max_bytes, deadline), max_bytes)
                if not protocol.well_formed(request, reply, position):
                    raise _Garbled("your code's reply could not be read back (it does not answer this call)")
                yield reply
        except protocol.Timeout:
            self._discard_child()
            raise _Timeout(whole_submission=allowed < limit) from None
        except protocol.Closed:
            raise _Died(_how_it_ended(self._discard_child())) from None
        except protocol.TooLarge:
            self._discard_child()
            raise _Garbled(f"the answer is larger than the {self._box.limits.output_mb} MB limit") from None
        except wire.WireError as error:
            self._discard_child()
            raise _Garbled(clean(str(error))) from None
        except _Garbled:
            self._discard_child()
            raise
        finally:
            self._budget -= time.monotonic() - started

    def _discard_child(self) -> int | None:
        """Kill the child, if any, and forget the objects in it; its wait status when known."""
        child, self._child = self._child, None
        self._live.clear()
        return None if child is None else self._box._kill(child)
