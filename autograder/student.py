"""The one narrow door between a grader and a student's functions.

A grader only ever does ``student.call("forward_propagation", X, parameters)`` and gets back
plain data (numpy arrays, Python numbers, bools, None, str, lists, tuples, dicts of those) or a
:class:`StudentError` whose message is safe to show the student. Whether the function ran in
this process (the in-kernel nbgrader path, the reference) or in a sandboxed child (batch
grading) is the implementation's business, so graders never change when the sandbox does.
"""
from __future__ import annotations

from typing import Any, Protocol


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


class Student(Protocol):
    """What graders may use. Nothing else."""

    #: Problems met while loading the notebook's code, e.g. {"cell 7": "SyntaxError: ..."}.
    load_problems: dict[str, str]

    def defines(self, function: str) -> bool:
        """Whether the notebook defined a callable of that name."""

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``function(*args, **kwargs)`` on copies of the inputs; return plain data.

        numpy's global random state is seeded the same way before every call, so graders are
        reproducible. Raises a :class:`StudentError` subclass when no usable answer came back.
        """


MAX_MESSAGE = 240


def describe_exception(error: BaseException) -> str:
    """'TypeError: text' cut to a length fit for feedback; the traceback is never included."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
