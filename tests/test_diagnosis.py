"""Naming a mistake from its wrong answer (autograder.grading.diagnose), also when that wrong
answer overflows: a softmax without its max-shift gives nan, a loss without its clip inf."""
import numpy as np
import pytest

from autograder.grading import Hints, Mistake, diagnose, expect_all, expect_close

HINTS = Hints({"no_shift": "subtract each row's max", "no_clip": "clip before the log", "other": "other"})


def test_a_wrong_answer_with_nan_is_recognised_by_where_its_nan_are():
    no_shift = np.array([[np.nan, np.nan], [0.25, 0.75]])
    candidates = {"other": np.array([[0.5, 0.5], [0.25, 0.75]]), "no_shift": no_shift}
    assert diagnose(no_shift.copy(), candidates, HINTS, "fallback").key == "no_shift"
    elsewhere = np.array([[0.5, 0.5], [np.nan, np.nan]])
    assert diagnose(elsewhere, candidates, HINTS, "fallback").key == ""
    finite_rest_differs = np.array([[np.nan, np.nan], [0.5, 0.5]])
    assert diagnose(finite_rest_differs, candidates, HINTS, "fallback").key == ""


def test_infinities_match_only_with_their_sign_and_numbers_too():
    candidates = {"no_clip": np.inf}
    assert diagnose(float("inf"), candidates, HINTS, "").key == "no_clip"
    assert diagnose(float("-inf"), candidates, HINTS, "").key == ""
    assert diagnose(np.float64(np.nan), {"no_clip": np.nan}, HINTS, "").key == "no_clip"


def test_expect_close_names_the_overflowing_mistake_instead_of_only_saying_nan():
    expected = np.array([0.2, 0.8])
    with pytest.raises(Mistake) as named:
        expect_close(np.array([np.nan, 0.8]), expected, "the answer", wrong={"no_shift": np.array([np.nan, 0.8])},
                     hint=HINTS)
    assert named.value.key == "no_shift"
    with pytest.raises(Mistake, match="nan or inf") as unnamed:
        expect_close(np.array([0.2, np.nan]), expected, "the answer", wrong={"no_shift": np.array([np.nan, 0.8])},
                     hint=HINTS)
    assert unnamed.value.key == ""


def test_expect_all_diagnoses_a_set_of_arrays_that_overflowed():
    expected = {"W": np.array([1.0, 2.0]), "b": np.array([0.5])}
    diverged = {"W": np.array([np.nan, np.nan]), "b": np.array([np.nan])}
    with pytest.raises(Mistake) as named:
        expect_all({k: v.copy() for k, v in diverged.items()}, expected, {"no_shift": diverged}, HINTS,
                   fallback=lambda key: f"{key} is wrong")
    assert named.value.key == "no_shift"
    with pytest.raises(Mistake, match="nan or inf") as unnamed:
        expect_all(diverged, expected, {}, HINTS, fallback=lambda key: f"{key} is wrong")
    assert unnamed.value.key == ""
