"""The small framework hidden graders are written in.

A grader is an ordinary pytest test, ``test_x(student, reference, case)``, registered with
:func:`grader` which also parametrizes it over its cases. pytest runs it as is (one notebook,
``--notebook``); the batch grader calls the same functions directly through :func:`run_graders`
with a sandboxed student, because starting pytest per submission would cost more than grading.

A failing case raises :class:`Mistake` (an AssertionError) whose text is the hint a student
sees: the likely mistake, in words. Hints never quote hidden inputs or expected values.
"""
from __future__ import annotations

import copy
import sys
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import numpy as np
import pytest

from .results import CaseResult, ExerciseResult
from .student import MissingFunction, NotImplementedByStudent, Student, StudentError, describe_exception


# ----------------------------------------------------------------------------- cases, registry

@dataclass(frozen=True)
class Case:
    id: str
    description: str            # shown to students: what this case checks
    build: Callable[[], dict] = field(default=dict, repr=False, compare=False)  # trusted inputs
    weight: float = 1.0

    @cached_property
    def _built(self) -> dict:
        return self.build()

    def inputs(self) -> dict:
        """Fresh inputs for every use, so nothing a call does can leak into the next."""
        return copy.deepcopy(self._built)


@dataclass(frozen=True)
class Grader:
    exercise: str
    cases: tuple[Case, ...]
    test: Callable
    uses: tuple[str, ...] = ()   # the student's other functions this one calls


#: exercise name -> its grader, in registration (= notebook) order, per grader module.
REGISTRY: dict[str, dict[str, Grader]] = {}


def grader(exercise: str, cases: list[Case], uses: tuple[str, ...] = ()):
    """Register ``test`` as the grader of ``exercise`` and parametrize it for pytest.

    ``uses`` names the student's functions that ``exercise`` calls: when one of them fails, the
    hints of this exercise say to fix that one first.
    """
    def register(test):
        REGISTRY.setdefault(test.__module__, {})[exercise] = Grader(exercise, tuple(cases), test, tuple(uses))
        return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])(test)
    return register


# ----------------------------------------------------------------------------- failing with a hint

class Mistake(AssertionError):
    """A wrong answer, with the hint the student sees and the key of the recognised mistake."""

    def __init__(self, hint: str, key: str = ""):
        super().__init__(hint)
        self.hint = hint
        self.key = key


def diagnose(got: Any, candidates: dict[str, Any], hint: Callable[[str], str], fallback: str) -> Mistake:
    """Name the mistake whose (trusted, precomputed) wrong answer matches the student's.

    Candidate keys may carry a detail after '@' (e.g. the learning rate a mistake used); the
    Mistake's key is the part before it.
    """
    for key, wrong_answer in candidates.items():
        if _matches(got, wrong_answer):
            return Mistake(hint(key), key.split("@")[0])
    return Mistake(fallback)


def _matches(got: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(got) == set(expected) and all(
            _matches(got[k], expected[k]) for k in expected)
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            _matches(g, e) for g, e in zip(got, expected))
    try:
        return close(got, expected)
    except Mistake:
        return False


# ----------------------------------------------------------------------------- checking answers

RTOL, ATOL = 1e-5, 1e-7


def as_array(value: Any, what: str) -> np.ndarray:
    """A real-valued array from the answer, or a Mistake saying what came back instead."""
    if isinstance(value, (bool, int, float)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise Mistake(f"{what} should be a numpy array, but it is a {type(value).__name__}")
    if value.dtype.kind not in "fiub":
        raise Mistake(f"{what} should hold numbers, but its dtype is {value.dtype}")
    return value


def as_number(value: Any, what: str) -> float:
    """A float, np.float64, 0-d or size-1 array: all are honest ways to return one number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.reshape(()))
    raise Mistake(f"{what} should be a single number, but it is "
                  + (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
                     else f"a {type(value).__name__}"))


def close(got: Any, expected: Any, what: str = "the answer", rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when ``got`` equals ``expected`` within tolerance; a Mistake for wrong type/shape."""
    expected = np.asarray(expected, dtype=float)
    got = as_array(got, what).astype(float, copy=False)
    if got.shape != expected.shape:
        raise Mistake(f"{what} has shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise Mistake(f"{what} contains nan or inf: look for log(0), a division by zero or an overflow")
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def expect_close(got: Any, expected: Any, what: str, wrong: dict[str, Any] | None = None,
                 hint: Callable[[str], str] = str, fallback: str | None = None,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    """Pass, or raise the Mistake that best explains the difference."""
    try:
        if close(got, expected, what, rtol, atol):
            return
    except Mistake:
        mistake = diagnose(got, wrong or {}, hint, "")
        if mistake.key:
            raise mistake from None
        raise
    raise diagnose(got, wrong or {}, hint, fallback or f"{what} has the wrong values")


def expect_all(got: dict, expected: dict, wrong: dict[str, dict], hint: Callable[[str], str],
               fallback: Callable[[str], str], rtol: float = RTOL, atol: float = ATOL) -> None:
    """Compare several arrays at once; a mistake shows in all of them, so diagnose the whole set."""
    keys = list(expected)

    def right(key):
        value = got[key]
        return (isinstance(value, np.ndarray) and value.shape == np.shape(expected[key])
                and close(value, expected[key], key, rtol, atol))
    if all(right(key) for key in keys):
        return
    mistake = diagnose({key: got[key] for key in keys}, wrong, hint, "")
    if mistake.key:
        raise mistake
    for key in keys:
        expect_close(got[key], expected[key], key, hint=hint, fallback=fallback(key), rtol=rtol, atol=atol)


def expect_dict(got: Any, keys: list[str], what: str) -> dict:
    if not isinstance(got, dict):
        raise Mistake(f"{what} should be a dictionary, but it is a {type(got).__name__}")
    missing = [k for k in keys if k not in got]
    if missing:
        raise Mistake(f"{what} has no key {', '.join(repr(k) for k in missing)} "
                      f"(keys found: {', '.join(repr(k) for k in got) or 'none'})", key="missing_keys")
    return got


# ----------------------------------------------------------------------------- running graders

def failure_text(error: BaseException, exercise: str) -> tuple[str, str]:
    """(hint, mistake key) for a case that did not pass."""
    if isinstance(error, Mistake):
        return error.hint, error.key
    if isinstance(error, NotImplementedByStudent):
        return (f"{exercise} is not implemented yet: replace the `raise NotImplementedError()` "
                "stub with your code", "not_implemented")
    if isinstance(error, MissingFunction):
        return f"your notebook does not define {exercise}; keep the function's name and signature", "missing"
    if isinstance(error, StudentError):
        return str(error), type(error).__name__
    if isinstance(error, AssertionError):
        return str(error) or "a check failed", ""
    return f"the grader could not check this answer ({type(error).__name__})", "grader_error"


def run_case(test: Callable, student: Student, reference: Any, case: Case, exercise: str) -> CaseResult:
    """One case, never raising: every outcome becomes a CaseResult."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            test(student=student, reference=reference, case=case)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none may stop a batch
        hint, key = failure_text(error, exercise)
        if key == "grader_error":
            print(f"autograder: grader error in {exercise}/{case.id}: {describe_exception(error)}",
                  file=sys.stderr)
        return CaseResult(case.id, case.description, case.weight, False, hint, key)
    return CaseResult(case.id, case.description, case.weight, True)


def run_graders(graders: dict[str, Grader], grade_ids: dict[str, str], points: dict[str, float],
                student: Student, reference: Any, only: str | None = None) -> list[ExerciseResult]:
    """Every case of every exercise (or of ``only``), in order."""
    results: dict[str, ExerciseResult] = {}
    for name, graded in graders.items():
        if only and name != only:
            continue
        result = ExerciseResult(name, grade_ids[name], points[name])
        for case in graded.cases:
            result.cases.append(run_case(graded.test, student, reference, case, name))
        broken = [used for used in graded.uses if used in results and results[used].first_failure]
        if broken:
            note = (f" ({name} calls your {' and '.join(broken)}, which "
                    f"{'has' if len(broken) == 1 else 'have'} failing checks: fix that first)")
            for case in result.cases:
                if not case.passed:
                    case.hint += note
        results[name] = result
    return list(results.values())
