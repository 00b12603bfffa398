"""A Student whose functions live in this process: the reference, and nbgrader's in-kernel path."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .sandbox import wire
from .student import (BadAnswer, MissingFunction, NotImplementedByStudent, StudentRaised,
                      describe_exception)


class InProcessStudent:
    """Calls functions of a live namespace: the reference, and nbgrader's in-kernel path.

    Not a sandbox. Answers still go through the wire codec so graders see exactly the same
    plain data as from the sandbox, and inputs are copied so in-place updates are harmless.
    """

    def __init__(self, namespace: dict, max_bytes: int = 64 * 2**20):
        self.namespace = namespace
        self.load_problems: dict[str, str] = {}
        self.max_bytes = max_bytes

    def defines(self, function: str) -> bool:
        return callable(self.namespace.get(function))

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        if not self.defines(function):
            raise MissingFunction(f"your notebook does not define a function named {function}")
        np.random.seed(0)
        try:
            answer = self.namespace[function](*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except NotImplementedError:
            raise NotImplementedByStudent(f"{function} still raises NotImplementedError") from None
        except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
            if isinstance(error, KeyboardInterrupt):
                raise
            raise StudentRaised(describe_exception(error)) from None
        try:
            return wire.decode(wire.encode(answer), self.max_bytes)
        except wire.WireError as error:
            raise BadAnswer(str(error)) from None
