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
import functools
import hashlib
import sys
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import numpy as np
import pytest

from .results import CaseResult, ExerciseResult
from .student import (MissingFunction, NotImplementedByStudent, Student, StudentError, StudentRaised,
                      describe_exception)


# ----------------------------------------------------------------------------- cases, registry

@dataclass(frozen=True)
class Case:
    id: str
    description: str            # shown to students: what this case checks
    build: Callable[[], dict] = field(default=dict, repr=False, compare=False)  # trusted inputs
    weight: float = 1.0
    #: How the grader treats this case (a tolerance, a call style, what to check), so a grader
    #: reads ``case.settings["rtol"]`` instead of branching on ``case.id``.
    settings: dict = field(default_factory=dict, compare=False)

    @cached_property
    def _built(self) -> dict:
        return self.build()

    def inputs(self) -> dict:
        """Fresh inputs for every use, so nothing a call does can leak into the next."""
        return fresh_copy(self._built)


@dataclass(frozen=True)
class Grader:
    exercise: str
    cases: tuple[Case, ...]
    test: Callable
    uses: tuple[str, ...] = ()   # the student's other exercises this one calls
    target: str = ""             # what the notebook defines for it: "f" or "Class.method"


#: exercise name -> its grader, in registration (= notebook) order, per grader module.
REGISTRY: dict[str, dict[str, Grader]] = {}


def grader(exercise: str, cases: list[Case], uses: tuple[str, ...] = (), target: str = ""):
    """Register ``test`` as the grader of ``exercise`` and parametrize it for pytest.

    ``uses`` names the student's exercises that ``exercise`` calls: when one of them fails, the
    hints of this exercise say to fix that one first, and the mutation tests allow the knock-on
    loss. ``target`` is what the reference must define for it (default: a function named like
    the exercise; "Class.method" for a method).
    """
    def register(test):
        REGISTRY.setdefault(test.__module__, {})[exercise] = Grader(
            exercise, tuple(cases), test, tuple(uses), target or exercise)
        return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])(test)
    return register


def depends_on(graders: dict[str, Grader], exercise: str) -> set[str]:
    """Every exercise ``exercise`` calls, directly or through others (from the graders' ``uses``)."""
    found: set[str] = set()
    pending = [exercise]
    while pending:
        for used in graders[pending.pop()].uses:
            if used not in found:
                found.add(used)
                pending.append(used)
    return found


# ----------------------------------------------------------------------------- trusted answers, once

MEMO_SIZE = 256
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, np.generic)


def fresh_copy(value: Any) -> Any:
    """A deep copy of plain data (dicts, lists, tuples, arrays, numbers, strings), made directly:
    graders copy inputs and answers for every case, and copy.deepcopy's generality costs more
    than the copying. Anything else goes through copy.deepcopy."""
    if isinstance(value, _IMMUTABLE):
        return value
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) is dict:
        return {key: fresh_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [fresh_copy(item) for item in value]
    if type(value) is tuple:
        return tuple(fresh_copy(item) for item in value)
    return copy.deepcopy(value)


def _feed(digest: Any, value: Any) -> None:
    """Feed the content of a plain-data value to ``digest``, its type and shape included;
    anything else (the reference itself) goes in by identity."""
    if type(value) is np.ndarray and value.dtype.kind in "biuf":
        digest.update(f"array {value.dtype.str} {value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif type(value) is dict:
        digest.update(f"dict {len(value)}".encode())
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
    elif type(value) in (list, tuple):
        digest.update(f"{type(value).__name__} {len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, _IMMUTABLE):
        digest.update(f"{type(value).__name__} {value!r}".encode())
    else:
        digest.update(f"object {id(value)}".encode())


def per_inputs(function: Callable) -> Callable:
    """Compute a trusted answer once per distinct input content, then hand out copies.

    Cases are the same for every submission, so the reference's answers and the wrong answers
    of the hint table are too: a worker computes each once instead of once per submission.
    Inputs taken from a student's answer are new every time, so the cache keeps only the
    MEMO_SIZE most recently used: memory stays flat over a batch.
    """
    answers: OrderedDict[bytes, Any] = OrderedDict()

    @functools.wraps(function)
    def once(*args: Any, **kwargs: Any) -> Any:
        digest = hashlib.blake2b(digest_size=16)
        _feed(digest, (args, sorted(kwargs.items())))
        key = digest.digest()
        if key in answers:
            answers.move_to_end(key)
        else:
            answers[key] = function(*args, **kwargs)
            if len(answers) > MEMO_SIZE:
                answers.popitem(last=False)
        return fresh_copy(answers[key])
    return once


# ----------------------------------------------------------------------------- failing with a hint

class Mistake(AssertionError):
    """A wrong answer, with the hint the student sees and the key of the recognised mistake."""

    def __init__(self, hint: str, key: str = ""):
        super().__init__(hint)
        self.hint = hint
        self.key = key


class Hints(dict):
    """An assignment's hint table: mistake key -> what to tell the student.

    Keys used for diagnosis may carry a detail after '@' (e.g. the learning rate a mistake
    used); the text and the recorded key are those of the part before it.
    """

    def __call__(self, key: str) -> str:
        return self[key.split("@")[0]]

    def mistake(self, key: str) -> "Mistake":
        return Mistake(self(key), key.split("@")[0])


def diagnose(got: Any, candidates: dict[str, Any], hint: Callable[[str], str], fallback: str) -> Mistake:
    """Name the mistake whose (trusted, precomputed) wrong answer matches the student's.

    Candidate keys may carry a detail after '@' (e.g. the learning rate a mistake used); the
    Mistake's key is the part before it.
    """
    for key, wrong_answer in candidates.items():
        if _matches(got, wrong_answer):
            return Mistake(hint(key), key.split("@")[0])
    return Mistake(fallback)


def raised_like(error: StudentError, wrong: dict[str, Callable[[], Any]], hint: Callable[[str], str]) -> Mistake | None:
    """Name the mistake behind an exception the student's code raised: the first known mistake
    whose computation, run here on the same inputs, raises the same kind of exception (a shape
    error from ``W1.T @ X``, say, is the transposed weight it comes from). None when none does."""
    if not isinstance(error, StudentRaised):
        return None
    kind = str(error).split(":", 1)[0]
    for key, compute in wrong.items():
        try:
            with np.errstate(all="ignore"):
                compute()
        except Exception as own:  # noqa: BLE001 - any exception may be the student's too
            if type(own).__name__ == kind:
                return Mistake(hint(key), key.split("@")[0])
    return None


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
        return _same_non_finite(got, expected)


def _same_non_finite(got: Any, expected: Any) -> bool:
    """A known wrong answer may itself hold nan or inf (an overflow, log(0)): a student's answer
    matches it when its nan and inf sit in the same places and the other entries are close."""
    try:
        expected = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if np.all(np.isfinite(expected)) or not isinstance(got, (np.ndarray, float)):
        return False
    got = np.asarray(got)
    if got.shape != expected.shape or got.dtype.kind not in "fiub":
        return False
    return bool(np.allclose(got.astype(float), expected, rtol=RTOL, atol=ATOL, equal_nan=True))


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
        try:
            return (isinstance(value, np.ndarray) and value.shape == np.shape(expected[key])
                    and close(value, expected[key], key, rtol, atol))
        except Mistake:  # nan or inf: a known mistake may explain it, so diagnose before saying so
            return False
    if all(right(key) for key in keys):
        return
    mistake = diagnose({key: got[key] for key in keys}, wrong, hint, "")
    if mistake.key:
        raise mistake
    for key in keys:
        expect_close(got[key], expected[key], key, hint=hint, fallback=fallback(key), rtol=rtol, atol=atol)


MAX_LISTED_KEYS, MAX_KEY_CHARS = 8, 30


def _some_keys(keys: list[str]) -> str:
    """The student's own keys, few and short: they are student-controlled text on a page."""
    shown = [repr(k if len(k) <= MAX_KEY_CHARS else k[:MAX_KEY_CHARS] + "…") for k in keys[:MAX_LISTED_KEYS]]
    more = len(keys) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "none"


def expect_dict(got: Any, keys: list[str], what: str) -> dict:
    if not isinstance(got, dict):
        raise Mistake(f"{what} should be a dictionary, but it is a {type(got).__name__}")
    missing = [k for k in keys if k not in got]
    if missing:
        raise Mistake(f"{what} has no key {', '.join(repr(k) for k in missing)} "
                      f"(keys found: {_some_keys(list(got))})", key="missing_keys")
    return got


def expect_sequence(got: Any, length: int, what: str) -> list:
    """A list or tuple of ``length`` items (e.g. one array per layer), else a Mistake."""
    if not isinstance(got, (list, tuple)):
        raise Mistake(f"{what} should be a list (or tuple), but it is a {type(got).__name__}")
    if len(got) != length:
        raise Mistake(f"{what} should have {length} items, but it has {len(got)}")
    return list(got)


def expect_arrays(got: Any, expected: list, what: str, wrong: dict[str, list] | None = None,
                  hint: Callable[[str], str] = str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """A list of arrays (one per layer, say), each close to its expected one.

    A mistake shows in the whole list, so the known wrong answers are matched against it all
    before the first differing item is named.
    """
    items = expect_sequence(got, len(expected), what)
    try:
        if all(close(g, e, f"{what}[{i}]", rtol, atol) for i, (g, e) in enumerate(zip(items, expected))):
            return
    except Mistake:
        mistake = diagnose(items, wrong or {}, hint, "")
        if mistake.key:
            raise mistake from None
        raise
    mistake = diagnose(items, wrong or {}, hint, "")
    if mistake.key:
        raise mistake
    first = next(i for i, (g, e) in enumerate(zip(items, expected)) if not close(g, e, what, rtol, atol))
    raise Mistake(f"{what}[{first}] has the wrong values")


def numerical_gradient(cost: Callable[[Any], float], parameters: Any, eps: float = 1e-6) -> Any:
    """Centred differences of ``cost`` for every entry of ``parameters``: the gradient found
    without calculus, to check backpropagation. ``parameters`` is a dict or a list of arrays;
    the answer has the same structure ('d' + key for dicts, as backpropagation names them)."""
    keys = list(parameters) if isinstance(parameters, dict) else list(range(len(parameters)))
    grads = {}
    for key in keys:
        grad = np.zeros_like(parameters[key], dtype=float)
        for index in np.ndindex(grad.shape):
            shifted = []
            for step in (eps, -eps):
                moved = copy.deepcopy(parameters)
                moved[key][index] += step
                shifted.append(cost(moved))
            grad[index] = (shifted[0] - shifted[1]) / (2 * eps)
        grads[key] = grad
    if isinstance(parameters, dict):
        return {"d" + key: grad for key, grad in grads.items()}
    return [grads[key] for key in keys]


def expect_labels(got: np.ndarray, expected: np.ndarray, probabilities: np.ndarray, hints: Hints) -> None:
    """0/1 (or bool) predictions equal to ``expected``; the table's 'probabilities' (returned
    the network's output) and 'threshold_zero' (compared it with 0) are named."""
    values = got.astype(float)
    if not np.all((values == 0) | (values == 1)):
        if close(values, probabilities):
            raise hints.mistake("probabilities")
        raise Mistake("predictions must be 0 or 1 (or False/True)")
    if np.array_equal(values, expected):
        return
    if np.array_equal(values, (probabilities > 0).astype(float)):
        raise hints.mistake("threshold_zero")
    raise Mistake("some predictions are wrong: predict 1 exactly where the output exceeds 0.5")


def expect_drawn(values: np.ndarray, hints: Hints, mean: float = 0.0) -> None:
    """Weights (flat) that look drawn at random around ``mean`` at all: finite, not all zero, not
    all equal, and, from 30 of them, on both sides of the mean (odds 2⁻³⁰ of failing honestly).
    Raises the table's 'weights_zero', 'weights_constant' or 'weights_uniform'."""
    if not np.all(np.isfinite(values)):
        raise Mistake("the weights contain nan or inf")
    if np.all(values == 0):
        raise hints.mistake("weights_zero")
    if values.size > 1 and np.all(values == values[0]):
        raise hints.mistake("weights_constant")
    if values.size >= 30 and (np.all(values >= mean) or np.all(values <= mean)):
        raise hints.mistake("weights_uniform")


def expect_random_weights(weights: np.ndarray, std: float, hints: Hints, mean: float = 0.0) -> None:
    """Weights drawn from N(mean, std²), judged by their statistics, never by the order of draws.

    The bounds scale with the number of weights n, so small layers are checked too: the root
    mean square of n normal draws lies within a factor exp(8 / √(2n)) of the true deviation
    but for odds of 4e-6 at n = 6 (a factor of 10, which still catches a missing 0.01) and
    below 1e-10 from n = 100. Failures raise `expect_drawn`'s mistakes, 'weights_unscaled'
    (plain randn) or 'weights_scale'.
    """
    values = np.asarray(weights, dtype=float).ravel()
    expect_drawn(values, hints, mean)
    spread = float(np.sqrt(np.mean((values - mean) ** 2)))
    if abs(np.log(spread / std)) > 8 / np.sqrt(2 * values.size):
        unscaled = abs(np.log(spread)) < abs(np.log(spread / std)) and std != 1
        raise hints.mistake("weights_unscaled" if unscaled else "weights_scale")


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


def _root_causes(graders: dict[str, Grader], exercise: str, results: dict[str, ExerciseResult]) -> list[str]:
    """The failing exercises ``exercise`` relies on whose own dependencies all pass: the ones to
    fix first (a broken sigmoid, not the forward pass that merely calls it)."""
    def failing(name: str) -> bool:
        return name in results and results[name].first_failure is not None

    used = depends_on(graders, exercise)
    return [name for name in graders if name in used and failing(name)
            and not any(failing(deeper) for deeper in depends_on(graders, name))]


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
        broken = _root_causes(graders, name, results)
        result.relies_on_failing = broken
        if broken:
            note = (f" ({name} relies on your {' and '.join(broken)}, which "
                    f"{'has' if len(broken) == 1 else 'have'} failing checks: fix that first)")
            for case in result.cases:
                if not case.passed:
                    case.hint += note
        results[name] = result
    return list(results.values())
