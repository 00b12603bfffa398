"""The bar of building_blocks' train grader is scikit-learn's MLPClassifier on the notebook's own
split, minus 5 points. Grading reads it from a recorded constant (an MLP fit costs half a second,
too much per submission); this test recomputes it, so a new scikit-learn or a changed split
cannot move the bar unnoticed."""
import pytest

from autograder.assignments.building_blocks.cases import MLP_ACCURACY
from autograder.reference import load_reference
from conftest import COURSE


@pytest.mark.slow
def test_the_recorded_mlp_accuracy_is_what_mlpclassifier_reaches_on_the_same_split():
    reference = load_reference(COURSE.assignment("building_blocks"))
    X_train, X_test, y_train, y_test = reference.three_class_problem()
    assert (X_train.shape, X_test.shape) == ((800, 20), (200, 20))
    assert reference.mlp_accuracy(X_train, y_train, X_test, y_test, random_state=0) == pytest.approx(MLP_ACCURACY)
