"""Mutation testing of every assignment's hidden graders.

Every mutant in tests/mutants/<assignment>.py — a realistic mistake in exactly one exercise —
must lose points on its own exercise, on no exercise that does not call it (the graders'
declared ``uses``), and be named by its own hint. Every honest variant must keep full marks.
The mutation score is printed and must be 100%.
"""
from __future__ import annotations

from html import escape

import pytest

from autograder import assignments
from autograder.feedback import feedback_html
from autograder.grading import depends_on
from autograder.samples import answered_release
from conftest import COURSE
from helpers import scores
from mutants import catalogue

#: Each assignment's catalogue, and the smallest one may be.
CATALOGUES = {a.id: catalogue(a.id) for a in COURSE.assignments}
MINIMUM_MUTANTS = 25
MUTANTS = [(a, m) for a, catalogue in CATALOGUES.items() for m in catalogue.MUTANTS]
HONEST = [(a, v) for a, catalogue in CATALOGUES.items() for v in catalogue.HONEST]
_caught: dict[str, bool] = {}


def _grade(assignment_id, variant, grade_as, graders, tmp_path):
    trusted = graders[assignment_id][0]
    target = trusted.graders[variant.exercise].target
    return grade_as(assignment_id, answered_release(trusted.assignment, {target: variant.code}), tmp_path)


@pytest.mark.parametrize("assignment_id, mutant", MUTANTS, ids=[f"{a}-{m.id}" for a, m in MUTANTS])
def test_mutant_loses_points_on_its_own_exercise_with_its_own_hint(assignment_id, mutant, grade_as, graders, tmp_path):
    trusted = graders[assignment_id][0]
    result = _grade(assignment_id, mutant, grade_as, graders, tmp_path)
    points, full = scores(result), trusted.assignment.exercises
    lost = {name for name in full if points[name] < full[name]}
    _caught[f"{assignment_id}-{mutant.id}"] = mutant.exercise in lost
    assert mutant.exercise in lost, f"{mutant.id} was not caught: {points}"
    callers = {name for name in full if mutant.exercise in depends_on(trusted.graders, name)}
    assert lost <= {mutant.exercise} | callers, f"{mutant.id} also cost {lost - {mutant.exercise}}"
    exercise = next(e for e in result.exercises if e.name == mutant.exercise)
    mistakes = {case.mistake for case in exercise.cases if not case.passed}
    assert mutant.mistake in mistakes <= {mutant.mistake, *mutant.also}, \
        [(c.case_id, c.mistake, c.hint) for c in exercise.cases]
    hints = assignments.content(assignment_id, "mistakes").HINTS
    assert escape(hints[mutant.mistake]) in feedback_html(result, trusted.assignment.title)
    for dependent in lost - {mutant.exercise}:   # a knock-on loss points back at the cause
        texts = [c.hint for e in result.exercises if e.name == dependent for c in e.cases if not c.passed]
        assert all(mutant.exercise in text and "fix that first" in text for text in texts), texts


@pytest.mark.parametrize("assignment_id", CATALOGUES)
def test_every_catalogue_is_large_and_covers_every_exercise(assignment_id):
    catalogue = CATALOGUES[assignment_id]
    assert len(catalogue.MUTANTS) >= MINIMUM_MUTANTS
    assert {m.exercise for m in catalogue.MUTANTS} == set(COURSE.assignment(assignment_id).exercises)
    hints = assignments.content(assignment_id, "mistakes").HINTS
    assert {m.mistake for m in catalogue.MUTANTS} <= set(hints)


@pytest.mark.parametrize("assignment_id, variant", HONEST, ids=[f"{a}-{v.id}" for a, v in HONEST])
def test_honest_variant_keeps_full_marks(assignment_id, variant, grade_as, graders, tmp_path):
    result = _grade(assignment_id, variant, grade_as, graders, tmp_path)
    failed = [(e.name, c.case_id, c.hint) for e in result.exercises for c in e.cases if not c.passed]
    assert result.score == result.max_score, failed


def test_mutation_score_is_100_percent():
    """Runs after the mutants (pytest keeps file order) and prints caught / total per assignment."""
    if len(_caught) < len(MUTANTS):
        pytest.skip("mutation score needs every mutant test in the same run")
    for assignment_id, mutants_of in CATALOGUES.items():
        caught = sum(_caught[f"{assignment_id}-{m.id}"] for m in mutants_of.MUTANTS)
        print(f"\nmutation score of {assignment_id}: {caught}/{len(mutants_of.MUTANTS)} mutants caught")
    assert all(_caught.values())
