"""Answers that ignore their inputs earn nothing, on every exercise of every assignment.

A degenerate student answers every call with the *shape* of the reference's answer and nothing
of its content: all zeros, all ones, or its own input echoed back where the shapes allow. Every
case set must contain cases such answers fail, and a case that only checks shapes must not
carry points on its own, so each exercise scores 0.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograder.grading import run_graders


def degenerate(value: Any, mode: str, inputs: tuple = ()) -> Any:
    """``value`` with every number replaced: 0, 1, or the first input array of the same shape."""
    if isinstance(value, np.ndarray):
        if mode == "echo":
            same = [a for a in inputs if isinstance(a, np.ndarray) and a.shape == value.shape]
            return same[0].copy() if same else np.zeros_like(value)
        return (np.ones_like if mode == "ones" else np.zeros_like)(value)
    if isinstance(value, bool):
        return mode == "ones"
    if isinstance(value, (int, float)):
        return type(value)(mode == "ones")
    if isinstance(value, (list, tuple)):
        return type(value)(degenerate(item, mode, inputs) for item in value)
    if isinstance(value, dict):
        return {key: degenerate(item, mode, inputs) for key, item in value.items()}
    return value


class DegenerateObject:
    def __init__(self, real, mode: str):
        self._real, self._mode = real, mode

    def call(self, method: str, *args, **kwargs):
        return degenerate(self._real.call(method, *args, **kwargs), self._mode, args)

    def call_mutating(self, method: str, *args, **kwargs):
        return degenerate(self._real.call_mutating(method, *args, **kwargs), self._mode, args)

    def get(self, attribute: str):
        return degenerate(self._real.get(attribute), self._mode)

    def set(self, attribute: str, value) -> None:
        self._real.set(attribute, value)


class DegenerateStudent:
    """The reference behind the narrow interface, every answer made degenerate."""

    def __init__(self, reference, mode: str):
        self._real, self._mode = reference.as_student(), mode
        self.load_problems: dict[str, str] = {}

    def defines(self, name: str) -> bool:
        return self._real.defines(name)

    def call(self, function: str, *args, **kwargs):
        return degenerate(self._real.call(function, *args, **kwargs), self._mode, args)

    def call_mutating(self, function: str, *args, **kwargs):
        return degenerate(self._real.call_mutating(function, *args, **kwargs), self._mode, args)

    def call_strict(self, function: str, *args, **kwargs):
        return degenerate(self._real.call_strict(function, *args, **kwargs), self._mode, args)

    def new(self, class_name: str, *args, **kwargs):
        return DegenerateObject(self._real.new(class_name, *args, **kwargs), self._mode)

    def bare(self, class_name: str, state: dict, aliases=None):
        return DegenerateObject(self._real.bare(class_name, state, aliases), self._mode)


@pytest.mark.parametrize("mode", ["zeros", "ones", "echo"])
def test_answers_that_ignore_their_inputs_score_zero_everywhere(grader, mode):
    student = DegenerateStudent(grader.reference, mode)
    results = run_graders(grader.graders, grader.grade_ids, grader.points, student, grader.reference)
    earned = {result.name: [case.case_id for case in result.cases if case.passed] for result in results}
    assert {name: passed for name, passed in earned.items() if passed} == {}


def test_the_reference_behind_the_same_interface_scores_full_marks(grader):
    """The degenerate student's own control: unchanged answers earn everything."""
    results = run_graders(grader.graders, grader.grade_ids, grader.points, grader.reference.as_student(),
                          grader.reference)
    assert sum(result.points for result in results) == grader.assignment.total_points
