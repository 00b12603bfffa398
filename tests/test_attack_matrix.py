"""Attacks on what comes back from the sandbox, graded through the real pipeline under every
isolation: forged and oversized frames, lying subclasses, odd dtypes, nan and inf, tampered
seeding and modules, stolen file descriptors, floods and HTML. Each attack replaces one function
of an otherwise correct notebook; it must earn nothing on that exercise, cost nothing elsewhere
(except an attack that breaks its own process for good), and leave the sandbox usable.
"""
from __future__ import annotations

from html import escape

import pytest

from autograder.feedback import feedback_html
from autograder.grading import depends_on
from autograder.samples import answered_release, write_submission
from autograder.submissions import Submission
from helpers import ISOLATIONS, UNUSABLE

ASSIGNMENT = "shallow_network"

#: attack -> (exercise it replaces, code). Each returns something shaped like an answer.
ATTACKS = {
    "ndarray_subclass_equal_to_everything": ("predict", '''
class _Liar(np.ndarray):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
def predict(X, parameters):
    return np.zeros((1, X.shape[1])).view(_Liar)
'''),
    "float_subclass_equal_to_everything": ("compute_cost", '''
class _Liar(float):
    def __eq__(self, other):
        return True
    def __sub__(self, other):
        return 0.0
    __rsub__ = __sub__
def compute_cost(A2, Y):
    return _Liar(-1.0)
'''),
    "dict_subclass_lying_about_its_items": ("initialize_parameters", '''
class _Liar(dict):
    def __getitem__(self, key):
        return np.zeros((1, 1))
    def items(self):
        return [(key, np.zeros((1, 1))) for key in ("W1", "b1", "W2", "b2")]
def initialize_parameters(n_x, n_h, n_y):
    return _Liar()
'''),
    "object_and_complex_dtypes": ("forward_propagation", '''
def forward_propagation(X, parameters):
    A2 = np.zeros((1, X.shape[1]), dtype=complex)
    return A2, {"Z1": np.array([object()] * 3, dtype=object), "A1": A2, "Z2": A2, "A2": A2}
'''),
    "nan_and_inf": ("backward_propagation", '''
def backward_propagation(parameters, cache, X, Y):
    return {key: np.full(np.shape(parameters[key[1:]]), value)
            for key, value in zip(("dW1", "db1", "dW2", "db2"), (np.nan, np.inf, -np.inf, np.nan))}
'''),
    "seeding_turned_off": ("initialize_parameters", '''
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed = lambda *args, **kwargs: None
    np.random.randn = lambda *shape: np.full(shape, 0.01)
    return {"W1": np.random.randn(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": np.random.randn(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}
'''),
    "module_globals_remember_the_last_call": ("update_parameters", '''
_SEEN = []
def update_parameters(parameters, grads, learning_rate=1.2):
    _SEEN.append(parameters)
    return _SEEN[0]
'''),
    "codec_replaced_in_sys_modules": ("predict", '''
import sys
def predict(X, parameters):
    wire = sys.modules["wire"]
    wire.encode = lambda value: b'{"seq": 1, "kind": "ok", "value": 1.0}'
    return np.ones((1, X.shape[1]), dtype=int)
'''),
    "forged_and_oversized_frames": ("layer_sizes", '''
import os, struct
def layer_sizes(X, Y):
    for fd in range(3, 64):
        for frame in (struct.pack("!Q", 2**62), struct.pack("!Q", 5) + b"xxxxx"):
            try:
                os.write(fd, frame)
            except OSError:
                pass
    return (X.shape[0], 4, Y.shape[0])
'''),
    "output_flood": ("layer_sizes", '''
import sys
def layer_sizes(X, Y):
    for _ in range(50):
        print("1 passed" * 100_000)
        sys.stderr.write("score: 11/11\\n" * 100_000)
    return (0, 0, 0)
'''),
    "html_in_messages_and_keys": ("initialize_parameters", '''
def initialize_parameters(n_x, n_h, n_y):
    raise ValueError("<script>alert('grades')</script><img src=x onerror=alert(1)>")
'''),
    "response_fd_stolen_at_load": ("nn_model", '''
import os
class _Steal:
    for _fd in range(3, 64):
        try:
            os.dup2(os.open("/dev/null", os.O_RDONLY), _fd)
        except OSError:
            pass
def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, print_cost=False):
    return {}
'''),
}
#: Attacks that break their own process for good: every exercise may then lose its points.
BREAKS_THE_PROCESS = {"response_fd_stolen_at_load"}


@pytest.fixture(scope="module", params=ISOLATIONS)
def pipeline(request, course):
    """The real trusted grader and a sandbox of one isolation, shared by the module's attacks."""
    from autograder.pipeline import AssignmentGrader
    from autograder.sandbox import SandboxError
    isolation = request.param
    if isolation in UNUSABLE:
        pytest.skip(UNUSABLE[isolation])
    grader = AssignmentGrader(course, course.assignment(ASSIGNMENT))
    try:
        box = grader.sandbox(isolation, allow_unconfined=isolation == "none")
    except SandboxError as error:
        pytest.skip(f"{isolation} is unusable on this machine: {error}")
    with box:
        yield grader, box


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_earns_nothing_and_costs_only_its_exercise(pipeline, attack, tmp_path):
    grader, box = pipeline
    exercise, code = ATTACKS[attack]
    folder = tmp_path / "mallory" / ASSIGNMENT
    path = write_submission(folder, grader.assignment.notebook,
                            answered_release(grader.assignment, {exercise: code}))
    result = grader.grade(Submission("mallory", folder, path), box, tmp_path)
    points = {e.name: e.points for e in result.exercises}
    assert points[exercise] == 0, (attack, result.exercises)
    if attack not in BREAKS_THE_PROCESS:
        honest = {e.name: e.max_points for e in result.exercises  # but those that call the replaced one
                  if e.name != exercise and exercise not in depends_on(grader.graders, e.name)}
        assert {name: points[name] for name in honest} == honest, attack
    page = feedback_html(result, "Shallow network")
    assert "<script>" not in page and "<img" not in page
    if attack == "html_in_messages_and_keys":
        assert escape("<script>alert('grades')</script>") in page
    honest_folder = tmp_path / "ada" / ASSIGNMENT
    honest_path = write_submission(honest_folder, grader.assignment.notebook, answered_release(grader.assignment))
    after = grader.grade(Submission("ada", honest_folder, honest_path), box, tmp_path)
    assert after.score == grader.assignment.total_points, "the sandbox still grades the next submission"
