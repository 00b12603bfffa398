"""Mutation testing of the hidden graders (issue 4).

Every mutant — a realistic mistake in exactly one function — must lose points on its own
exercise, on no exercise that does not depend on it, and be named by its own hint. Every
honest variant must keep full marks. The mutation score is printed and must be 100%.

The holes of the public tests this course is compared with are closed here: only the default
learning rate tested (update_ignores_learning_rate, update_wrong_default), a cache passed
without A2 (cache_without_A2; backward gets the full trusted cache), exact float equality
(the loop and einsum variants differ in the last bits), and dependence on the order of random
draws (init_normal_in_another_order; nn_model is judged by properties, not by its numbers).
"""
from __future__ import annotations

from html import escape

import pytest

from autograder.assignments.shallow_network.mistakes import HINTS
from autograder.feedback import feedback_html

from autograder.samples import answered_release
from helpers import scores
from mutants.shallow_network import HONEST, MUTANTS

#: Exercises that call the student's other functions, and so may lose points with them.
DEPENDENT = {"nn_model", "predict"}
_caught: dict[str, bool] = {}


def _grade(variant, grade_notebook, grader, tmp_path):
    return grade_notebook(answered_release(grader.assignment, {variant.function: variant.code}), tmp_path)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_loses_points_on_its_own_exercise_with_its_own_hint(mutant, grade_notebook, grader, tmp_path):
    result = _grade(mutant, grade_notebook, grader, tmp_path)
    points, full = scores(result), grader.assignment.exercises
    lost = {name for name in full if points[name] < full[name]}
    _caught[mutant.id] = mutant.function in lost
    assert mutant.function in lost, f"{mutant.id} was not caught: {points}"
    assert lost <= {mutant.function} | DEPENDENT, f"{mutant.id} also cost {lost - {mutant.function}}"
    exercise = next(e for e in result.exercises if e.name == mutant.function)
    mistakes = {case.mistake for case in exercise.cases if not case.passed}
    assert mistakes == {mutant.mistake}, [(c.case_id, c.mistake, c.hint) for c in exercise.cases]
    assert escape(HINTS[mutant.mistake]) in feedback_html(result, grader.assignment.title)
    for dependent in lost - {mutant.function}:   # a knock-on loss points back at the cause
        hints = [c.hint for e in result.exercises if e.name == dependent for c in e.cases if not c.passed]
        assert all(mutant.function in hint and "fix that first" in hint for hint in hints), hints


def test_there_are_at_least_30_mutants_covering_every_exercise(grader):
    assert len(MUTANTS) >= 30
    assert {m.function for m in MUTANTS} == set(grader.assignment.exercises)


@pytest.mark.parametrize("variant", HONEST, ids=[v.id for v in HONEST])
def test_honest_variant_keeps_full_marks(variant, grade_notebook, grader, tmp_path):
    result = _grade(variant, grade_notebook, grader, tmp_path)
    failed = [(e.name, c.case_id, c.hint) for e in result.exercises for c in e.cases if not c.passed]
    assert result.score == grader.assignment.total_points, failed


def test_mutation_score_is_100_percent():
    """Runs after the mutants (pytest keeps file order) and prints caught / total."""
    if len(_caught) < len(MUTANTS):
        pytest.skip("mutation score needs every mutant test in the same run")
    caught = sum(_caught.values())
    print(f"\nmutation score: {caught}/{len(MUTANTS)} mutants caught ({caught / len(MUTANTS):.0%})")
    assert caught == len(MUTANTS)
