"""The one narrow door between a grader and a student's functions and classes.

A grader only ever does ``student.call("forward_propagation", X, parameters)`` (or makes an
object with ``student.new``/``student.bare`` and uses its ``call``/``get``/``set``) and gets back
plain data (numpy arrays, Python numbers, bools, None, str, lists, tuples, dicts of those) or a
:class:`StudentError` whose message is safe to show the student. Whether the function ran in
this process (the in-kernel nbgrader path, the reference) or in a sandboxed child (batch
grading) is the implementation's business, so graders never change when the sandbox does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .sandbox.session import StudentObject


class StudentError(Exception):
    """A call gave no usable answer. ``str(error)`` is shown to the student as is."""


class MissingFunction(StudentError):
    """The notebook defines no function of that name (or the cell defining it did not run)."""


class NotImplementedByStudent(StudentError):
    """The function still raises NotImplementedError: the stub was not filled in."""


class StudentRaised(StudentError):
    """The student's code raised; the message names the exception type and its text."""


class StudentTimeout(StudentError):
    """The call ran past its wall-clock deadline and its process was killed."""


class StudentCrash(StudentError):
    """The student's process died (os._exit, a signal, a resource limit) during the call."""


class BadAnswer(StudentError):
    """The answer is not plain data of an allowed type and size."""


class MissingAttribute(StudentError):
    """The student's object has no attribute of that name."""


class LostObject(StudentError):
    """The student's object is gone: an earlier call ended the process it lived in."""


class Student(Protocol):
    """What graders may use. Nothing else."""

    #: Problems met while loading the notebook's code, e.g. {"cell 7": "SyntaxError: ..."}.
    load_problems: dict[str, str]

    def defines(self, function: str) -> bool:
        """Whether the notebook defined a callable of that name."""

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``function(*args, **kwargs)`` on copies of the inputs; return plain data.

        numpy's global RandomState and Python's ``random`` are seeded with 0 before every run of
        student code (a call, a constructor, a method, a statement), so graders are
        reproducible. An iterator answer arrives as a list. Raises a :class:`StudentError`
        subclass when no usable answer came back.
        """

    def call_mutating(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        """Like :meth:`call`, plus the arguments as the call left them: (answer, args, kwargs)."""

    def call_strict(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Like :meth:`call`, but NumPy's floating-point warnings (overflow, division by zero,
        invalid value) raise FloatingPointError inside the call, so a grader can require code
        that stays silent (a StudentRaised whose message starts with 'FloatingPointError')."""

    def new(self, class_name: str, *args: Any, **kwargs: Any) -> StudentObject:
        """An object made by the student's constructor, ``class_name(*args, **kwargs)``."""

    def bare(self, class_name: str, state: dict[str, Any],
             aliases: dict[str, list[str]] | None = None) -> StudentObject:
        """An object made without running its ``__init__``: the attributes of ``state`` are set
        in order, then each alias becomes a dict of those very attributes, so that
        ``aliases={"parameters": ["W1", "b1"]}`` makes ``obj.parameters["W1"] is obj.W1``.
        """


MAX_MESSAGE = 240


def describe_exception(error: BaseException) -> str:
    """'TypeError: text' cut to a length fit for feedback; the traceback is never included."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
