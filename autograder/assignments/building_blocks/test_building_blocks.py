"""Hidden graders of building_blocks: one test per exercise, one parameter per case.

Each test builds its own inputs (never the student's other functions), asks the student through
the narrow interface and the trusted reference directly, and compares with tolerances. A wrong
answer is explained by the hint table in mistakes.py. Functions that must leave their inputs
alone are called with ``call_mutating`` and checked for it; the sigmoid's large case is called
once more with NumPy's floating-point warnings raised (``call_strict``), because the seed's
sigmoid gets the right numbers from an overflow.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import (ATOL, RTOL, Case, Mistake, as_array, as_number, close, diagnose, expect_all,
                                expect_close, expect_dict, expect_random_weights, grader, numerical_gradient,
                                per_inputs)
from autograder.student import StudentError, StudentRaised

from . import cases as C
from . import mistakes as M

PARAMETER_KEYS = ["W1", "b1", "W2", "b2"]
CACHE_KEYS = ["Z1", "A1", "Z2", "A2"]
GRAD_KEYS = ["dW1", "db1", "dW2", "db2"]


def _unchanged(after, before) -> bool:
    """Whether an argument came back from the student's call as it went in."""
    if isinstance(before, dict):
        return isinstance(after, dict) and set(after) == set(before) and all(_unchanged(after[k], before[k])
                                                                             for k in before)
    if isinstance(before, (list, tuple)):
        return (isinstance(after, (list, tuple)) and len(after) == len(before)
                and all(_unchanged(a, b) for a, b in zip(after, before)))
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and after.shape == before.shape
                and bool(np.array_equal(after, before, equal_nan=True)))
    return after == before


def _call_pure(student, name: str, *args, **kwargs):
    """The student's answer, and whether the call left every argument as it was."""
    answer, args_after, kwargs_after = student.call_mutating(name, *args, **kwargs)
    return answer, _unchanged(list(args_after), list(args)) and _unchanged(kwargs_after, kwargs)


def _pure(unchanged: bool) -> None:
    if not unchanged:
        raise M.HINTS.mistake("mutates_input")


# ----------------------------------------------------------------------------- activations

def _elementwise(student, reference, case, name, wrong, rtol=RTOL, atol=ATOL) -> None:
    Z = case.inputs()["Z"]
    got, unchanged = _call_pure(student, name, Z)
    expect_close(got, getattr(reference, name)(Z), f"{name}(Z)", wrong=wrong(Z), hint=M.HINTS, rtol=rtol, atol=atol)
    _pure(unchanged)


@grader("relu", C.ACTIVATION_CASES)
def test_relu(student, reference, case):
    _elementwise(student, reference, case, "relu", M.wrong_relus)


@grader("relu_derivative", C.ACTIVATION_CASES)
def test_relu_derivative(student, reference, case):
    _elementwise(student, reference, case, "relu_derivative", M.wrong_relu_derivatives)


@grader("sigmoid", C.ACTIVATION_CASES)
def test_sigmoid(student, reference, case):
    """Within 1e-7 relative or 1e-12 absolute, and silent for |Z| up to 1000."""
    _elementwise(student, reference, case, "sigmoid", M.wrong_sigmoids, rtol=1e-7, atol=1e-12)
    if case.settings.get("large"):
        try:
            student.call_strict("sigmoid", case.inputs()["Z"])
        except StudentRaised as error:
            if str(error).startswith("FloatingPointError"):
                raise M.HINTS.mistake("sigmoid_overflow") from None
            raise


@grader("sigmoid_derivative", C.ACTIVATION_CASES, uses=("sigmoid",))
def test_sigmoid_derivative(student, reference, case):
    _elementwise(student, reference, case, "sigmoid_derivative", M.wrong_sigmoid_derivatives)


@grader("tanh", C.ACTIVATION_CASES)
def test_tanh(student, reference, case):
    _elementwise(student, reference, case, "tanh", M.wrong_tanhs)


@grader("tanh_derivative", C.ACTIVATION_CASES, uses=("tanh",))
def test_tanh_derivative(student, reference, case):
    _elementwise(student, reference, case, "tanh_derivative", M.wrong_tanh_derivatives)


@grader("softmax", C.SOFTMAX_CASES)
def test_softmax(student, reference, case):
    _elementwise(student, reference, case, "softmax", M.wrong_softmaxes)


# ----------------------------------------------------------------------------- losses

def _loss_case(case_id, description, build, how="default", epsilon=None):
    """A loss case; ``how`` says whether epsilon is passed, by keyword or by position."""
    return Case(case_id, description, build, settings={"how": how, "epsilon": epsilon})


def _loss(student, reference, case, name, wrong, fallback) -> None:
    inputs = case.inputs()
    Y, Y_hat = inputs["Y"], inputs["Y_hat"]
    epsilon, how = case.settings.get("epsilon"), case.settings.get("how", "default")
    args, kwargs = {"default": ((), {}), "keyword": ((), {"epsilon": epsilon}), "positional": ((epsilon,), {})}[how]
    got, unchanged = _call_pure(student, name, Y, Y_hat, *args, **kwargs)
    got = as_number(got, "the loss")
    expected = getattr(reference, name)(Y, Y_hat, *args, **kwargs)
    expect_close(got, expected, "the loss", wrong=wrong(Y, Y_hat), hint=M.HINTS, fallback=fallback)
    _pure(unchanged)


@grader("mse_loss", [
    Case("hand_3x1", "targets (1, 2, 4), predictions (1.5, 2, 3)",
         lambda: {"Y": np.array([[1.0], [2.0], [4.0]]), "Y_hat": np.array([[1.5], [2.0], [3.0]])}),
    Case("regression_6x1", "real-valued targets, m = 6", lambda: C.regression(6, 1, 1)),
    Case("one_example_1x1", "one example, m = 1", lambda: C.regression(1, 1, 2)),
    Case("classes_8x3", "one-hot targets and probabilities, m = 8, C = 3", lambda: C.probabilities(8, 3, 3)),
    Case("regression_5x4", "four outputs per example, m = 5", lambda: C.regression(5, 4, 4)),
])
def test_mse_loss(student, reference, case):
    _loss(student, reference, case, "mse_loss", lambda Y, Y_hat: M.wrong_mse(Y, Y_hat),
          "the loss is wrong: the mean of (Y - Y_hat) ** 2 over every entry")


BCE_FALLBACK = "the loss is wrong: -mean(y log y_hat + (1 - y) log(1 - y_hat)) with y_hat clipped to [epsilon, 1 - epsilon]"


@grader("binary_cross_entropy", [
    _loss_case("worked_3x1", "labels (1, 0, 1), predictions (0.8, 0.1, 0.5)",
               lambda: {"Y": np.array([[1.0], [0.0], [1.0]]), "Y_hat": np.array([[0.8], [0.1], [0.5]])}),
    _loss_case("random_10x1", "random predictions and labels, m = 10", lambda: C.binary(10, 1, 1)),
    _loss_case("one_example_1x1", "one example, m = 1", lambda: C.binary(1, 1, 2)),
    _loss_case("three_outputs_6x3", "three yes/no outputs per example: the mean over every entry",
               lambda: C.binary(6, 3, 3)),
    _loss_case("integer_labels_20x1", "integer labels 0 and 1, m = 20", lambda: C.binary(20, 1, 4, labels_int=True)),
    _loss_case("certain", "predictions of exactly 0 and 1, right and wrong: finite, clipped at 1e-7",
               lambda: C.CERTAIN_BINARY),
    _loss_case("epsilon_keyword", "certain predictions with epsilon=0.01 given by keyword", lambda: C.CERTAIN_BINARY,
               how="keyword", epsilon=0.01),
    _loss_case("epsilon_positional", "certain predictions with epsilon 0.05 given by position",
               lambda: C.CERTAIN_BINARY, how="positional", epsilon=0.05),
])
def test_binary_cross_entropy(student, reference, case):
    epsilon = case.settings.get("epsilon") or 1e-7
    _loss(student, reference, case, "binary_cross_entropy", lambda Y, Y_hat: M.wrong_bce(Y, Y_hat, epsilon),
          BCE_FALLBACK)


CCE_FALLBACK = "the loss is wrong: -(1/m) sum(y log y_hat) with y_hat clipped to [epsilon, 1 - epsilon], m = Y.shape[0]"


@grader("categorical_cross_entropy", [
    _loss_case("seed_example", "the seed's example: true class first, predicted (0.7, 0.2, 0.1)",
               lambda: {"Y": np.array([[1.0, 0.0, 0.0]]), "Y_hat": np.array([[0.7, 0.2, 0.1]])}),
    _loss_case("random_8x3", "random probabilities, m = 8, C = 3", lambda: C.probabilities(8, 3, 1)),
    _loss_case("two_classes_5x2", "C = 2 classes, m = 5", lambda: C.probabilities(5, 2, 2)),
    _loss_case("ten_classes_6x10", "C = 10 classes, m = 6", lambda: C.probabilities(6, 10, 3)),
    _loss_case("integer_labels_12x4", "integer one-hot labels, m = 12, C = 4",
               lambda: C.probabilities(12, 4, 4, labels_int=True)),
    _loss_case("certain", "probabilities of exactly 0 and 1: finite, clipped at 1e-7", lambda: C.CERTAIN_CLASSES),
    _loss_case("epsilon_keyword", "certain probabilities with epsilon=0.001 given by keyword",
               lambda: C.CERTAIN_CLASSES, how="keyword", epsilon=0.001),
    _loss_case("epsilon_positional", "certain probabilities with epsilon 0.02 given by position",
               lambda: C.CERTAIN_CLASSES, how="positional", epsilon=0.02),
])
def test_categorical_cross_entropy(student, reference, case):
    epsilon = case.settings.get("epsilon") or 1e-7
    _loss(student, reference, case, "categorical_cross_entropy", lambda Y, Y_hat: M.wrong_cce(Y, Y_hat, epsilon),
          CCE_FALLBACK)


# ----------------------------------------------------------------------------- the network

@grader("two_layer_forward", uses=("relu", "softmax"), cases=C.network_cases(
    [(5, 4, 6, 3), (1, 3, 4, 3), (6, 2, 5, 2), (7, 5, 8, 10)]) + [
    Case("large_scores", "weights that make the output scores large (hundreds): the softmax must stay finite",
         lambda: C.network_problem(6, 3, 5, 4, seed=9, output_scale=300.0))])
def test_two_layer_forward(student, reference, case):
    X, params = case.inputs()["X"], case.inputs()["params"]
    got, unchanged = _call_pure(student, "two_layer_forward", X, params)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Mistake("two_layer_forward should return two things: (A2, cache)")
    A2, cache = got
    expected_A2, expected = reference.two_layer_forward(X, params)
    wrong = M.wrong_forwards(X, params)
    expect_close(A2, expected_A2, "A2", wrong={k: c["A2"] for k, c in wrong.items()}, hint=M.HINTS)
    if not isinstance(cache, dict):
        raise Mistake(f"the cache should be a dictionary, but it is a {type(cache).__name__}")
    if not all(key in cache for key in CACHE_KEYS):
        raise M.HINTS.mistake("cache_incomplete")
    for key in CACHE_KEYS:
        swapped = {f"cache_keys_swapped@{other}": expected[other] for other in CACHE_KEYS
                   if other != key and np.shape(expected[other]) == np.shape(expected[key])}
        expect_close(cache[key], expected[key], f"cache['{key}']", hint=M.HINTS,
                     wrong={**{k: c[key] for k, c in wrong.items()}, **swapped})
    _pure(unchanged)


@per_inputs
def _gradient_check(reference, X, Y, params) -> dict:
    """The gradients of the reference loss, found without calculus."""
    return numerical_gradient(
        lambda q: reference.categorical_cross_entropy(Y, reference.two_layer_forward(X, q)[0]), params)


@grader("two_layer_backward", uses=("relu_derivative",), cases=C.network_cases(
    [(6, 3, 4, 3), (1, 4, 5, 3), (8, 2, 6, 10)]) + [
    Case("gradient_check", "a numerical gradient check on a random problem (m = 9, n_x = 3, n_h = 4, C = 3)",
         lambda: C.network_problem(9, 3, 4, 3, seed=42), settings={"numerical": True})])
def test_two_layer_backward(student, reference, case):
    X, Y, params = case.inputs()["X"], case.inputs()["Y"], case.inputs()["params"]
    cache = reference.two_layer_forward(X, params)[1]  # trusted: backward is graded on its own
    got, unchanged = _call_pure(student, "two_layer_backward", X, Y, params, cache)
    got = expect_dict(got, GRAD_KEYS, "the gradients")
    if case.settings.get("numerical"):
        expected, rtol = _gradient_check(reference, X, Y, params), 1e-4
    else:
        expected, rtol = reference.two_layer_backward(X, Y, params, cache), RTOL
    expect_all(got, expected, M.wrong_backwards(X, Y, params, cache), M.HINTS, rtol=rtol, atol=1e-8,
               fallback=lambda key: f"{key} is wrong: follow the chain rule from dZ2 = A2 - Y back to {key}")
    _pure(unchanged)


def _sizes_case(sizes, description):
    return Case("sizes_" + "_".join(map(str, sizes)), description, lambda: {"sizes": sizes})


@grader("count_parameters", [
    _sizes_case([4, 8, 6, 3], "the seed's network [4, 8, 6, 3]"),
    _sizes_case([2, 3, 1], "a small network [2, 3, 1]"),
    _sizes_case([784, 128, 64, 10], "four layers of sizes [784, 128, 64, 10]"),
    _sizes_case([5, 1], "one layer [5, 1]"),
    _sizes_case((20, 16, 3), "a tuple (20, 16, 3)"),
])
def test_count_parameters(student, reference, case):
    sizes = case.inputs()["sizes"]
    got = as_number(student.call("count_parameters", sizes), "the number of parameters")
    if got != int(got):
        raise Mistake("count_parameters should return a whole number (an int)")
    expected = reference.count_parameters(sizes)
    if got == expected:
        return
    for key, wrong in M.wrong_counts(list(sizes)).items():
        if got == wrong:
            raise M.HINTS.mistake(key)
    raise Mistake("the count is wrong: add n_in * n_out + n_out for every pair of neighbouring layer sizes")


# ----------------------------------------------------------------------------- the optimizers

def _optimizer_case(case_id, description, sizes, seed, states=(), zeros=False, tiny=False, args=(), kwargs=None):
    """An optimizer's inputs; ``args``/``kwargs`` are what follows the state dicts in the call."""
    return Case(case_id, description, lambda: C.optimizer_inputs(sizes, seed, states, zeros, tiny),
                settings={"args": tuple(args), "kwargs": dict(kwargs or {})})


def _settings(case, signature: dict) -> tuple[tuple, dict, dict]:
    """(args, kwargs) of the call and every hyper-parameter's value, defaults filled in."""
    args, kwargs = case.settings["args"], case.settings["kwargs"]
    values = dict(signature)
    values.update(zip(signature, args))
    values.update(kwargs)
    values["default_rate"] = "learning_rate" not in kwargs and len(args) < list(signature).index("learning_rate") + 1
    return args, kwargs, values


def _expect_update(got, expected: tuple, names: tuple[str, ...], wrong: dict) -> None:
    """The returned dicts (one, or a tuple of them) equal the reference's; else the named mistake."""
    keys = list(expected[0])
    if len(expected) == 1:
        parts = [got]
    elif isinstance(got, (tuple, list)) and len(got) == len(expected):
        parts = list(got)
    else:
        raise Mistake(f"return {len(expected)} dicts: ({', '.join(names)})")
    for part, name in zip(parts, names):
        if isinstance(part, dict) and set(part) == set(M.FOUR_KEYS) and set(keys) != set(M.FOUR_KEYS):
            raise M.HINTS.mistake("optimizer_fixed_keys")
        expect_dict(part, keys, name)

    def right(part, target) -> bool:
        return all(isinstance(part[k], np.ndarray) and part[k].shape == target[k].shape
                   and close(part[k], target[k], k) for k in keys)
    try:
        if all(right(part, target) for part, target in zip(parts, expected)):
            return
    except Mistake:
        pass
    mistake = diagnose(parts[0] if len(parts) == 1 else tuple(parts), wrong, M.HINTS, "")
    if mistake.key:
        raise mistake
    for part, target, name in zip(parts, expected, names):
        for key in keys:
            expect_close(part[key], target[key], f"{name}['{key}']",
                         fallback=f"{name}['{key}'] is wrong: compare your update with the formula of the notebook")


SGD = {"learning_rate": 0.01}


@grader("sgd_update", [
    _optimizer_case("default_rate", "the default learning rate (no learning_rate argument)", C.TWO_LAYERS, 1),
    _optimizer_case("keyword_rate", "learning_rate=0.05 given by keyword", C.TWO_LAYERS, 2,
                    kwargs={"learning_rate": 0.05}),
    _optimizer_case("positional_rate_zero_gradients", "learning rate 0.5 by position; some gradients exactly 0",
                    C.TWO_LAYERS, 3, zeros=True, args=(0.5,)),
    _optimizer_case("three_layers", "a network with three layers (keys W1 .. b3), learning rate 0.2",
                    C.THREE_LAYERS, 4, args=(0.2,)),
])
def test_sgd_update(student, reference, case):
    inputs = case.inputs()
    params, grads = inputs["params"], inputs["grads"]
    args, kwargs, values = _settings(case, SGD)
    got = student.call("sgd_update", params, grads, *args, **kwargs)
    expected = reference.sgd_update(params, grads, *args, **kwargs)
    rate = values["learning_rate"]
    _expect_update(got, (expected,), ("the parameters",), M.wrong_sgd(params, grads, rate, values["default_rate"]))


MOMENTUM = {"learning_rate": 0.01, "beta": 0.9}


@grader("momentum_update", [
    _optimizer_case("first_step_defaults", "the first step (velocity 0) with the defaults", C.TWO_LAYERS, 1,
                    states=("zeros",)),
    _optimizer_case("later_step", "a later step (a velocity from earlier steps), learning rate 0.1 by position",
                    C.TWO_LAYERS, 2, states=("signed",), args=(0.1,)),
    _optimizer_case("keywords", "beta=0.5 and learning_rate=0.05 given by keyword", C.TWO_LAYERS, 3,
                    states=("signed",), kwargs={"beta": 0.5, "learning_rate": 0.05}),
    _optimizer_case("positional_zero_gradients", "learning rate 0.2 and beta 0.7 by position; some gradients 0",
                    C.TWO_LAYERS, 4, states=("signed",), zeros=True, args=(0.2, 0.7)),
    _optimizer_case("three_layers", "three layers (keys W1 .. b3), learning rate 0.1", C.THREE_LAYERS, 5,
                    states=("signed",), args=(0.1,)),
])
def test_momentum_update(student, reference, case):
    inputs = case.inputs()
    params, grads, (velocity,) = inputs["params"], inputs["grads"], inputs["states"]
    args, kwargs, values = _settings(case, MOMENTUM)
    got = student.call("momentum_update", params, grads, velocity, *args, **kwargs)
    expected = reference.momentum_update(params, grads, velocity, *args, **kwargs)
    _expect_update(got, tuple(expected), ("the parameters", "the velocity"),
                   M.wrong_momentum(params, grads, velocity, values["learning_rate"], values["beta"],
                                    values["default_rate"]))


RMSPROP = {"learning_rate": 0.001, "beta": 0.9, "epsilon": 1e-8}


@grader("rmsprop_update", [
    _optimizer_case("first_step_defaults", "the first step (cache 0) with the defaults", C.TWO_LAYERS, 1,
                    states=("zeros",)),
    _optimizer_case("later_step", "a later step (a cache from earlier steps), learning rate 0.01 by position",
                    C.TWO_LAYERS, 2, states=("squares",), args=(0.01,)),
    _optimizer_case("zero_gradients_first_step", "the first step with some gradients exactly 0: they stay put",
                    C.TWO_LAYERS, 3, states=("zeros",), zeros=True, kwargs={"learning_rate": 0.05}),
    _optimizer_case("keywords", "learning_rate=0.02, beta=0.5 and epsilon=1e-4 by keyword", C.TWO_LAYERS, 4,
                    states=("squares",), kwargs={"learning_rate": 0.02, "beta": 0.5, "epsilon": 1e-4}),
    _optimizer_case("positional", "learning rate 0.03, beta 0.8 and epsilon 1e-6 by position", C.TWO_LAYERS, 5,
                    states=("squares",), args=(0.03, 0.8, 1e-6)),
    _optimizer_case("three_layers", "three layers (keys W1 .. b3), learning rate 0.01", C.THREE_LAYERS, 6,
                    states=("squares",), args=(0.01,)),
])
def test_rmsprop_update(student, reference, case):
    inputs = case.inputs()
    params, grads, (cache,) = inputs["params"], inputs["grads"], inputs["states"]
    args, kwargs, values = _settings(case, RMSPROP)
    got = student.call("rmsprop_update", params, grads, cache, *args, **kwargs)
    expected = reference.rmsprop_update(params, grads, cache, *args, **kwargs)
    _expect_update(got, tuple(expected), ("the parameters", "the cache"),
                   M.wrong_rmsprop(params, grads, cache, values["learning_rate"], values["beta"], values["epsilon"],
                                   values["default_rate"]))


ADAM = {"t": None, "learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


@grader("adam_update", [
    _optimizer_case("first_step_defaults", "t = 1 (moments 0) with the defaults", C.TWO_LAYERS, 1,
                    states=("zeros", "zeros"), args=(1,)),
    _optimizer_case("second_step", "t = 2 (moments from a first step), learning rate 0.01 by position",
                    C.TWO_LAYERS, 2, states=("signed", "squares"), args=(2, 0.01)),
    _optimizer_case("tenth_step_zero_gradients", "t = 10, learning_rate=0.05 by keyword; some gradients exactly 0",
                    C.TWO_LAYERS, 3, states=("signed", "squares"), zeros=True, args=(10,),
                    kwargs={"learning_rate": 0.05}),
    _optimizer_case("keywords", "t = 3 with beta1=0.8, beta2=0.99 and epsilon=1e-6 by keyword", C.TWO_LAYERS, 4,
                    states=("signed", "squares"), args=(3,), kwargs={"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}),
    _optimizer_case("positional", "t = 5 with every hyper-parameter by position", C.TWO_LAYERS, 5,
                    states=("signed", "squares"), args=(5, 0.02, 0.85, 0.995, 1e-7)),
    _optimizer_case("three_layers", "three layers (keys W1 .. b3), t = 4, learning rate 0.01", C.THREE_LAYERS, 6,
                    states=("signed", "squares"), args=(4, 0.01)),
    _optimizer_case("tiny_gradients", "t = 1 with gradients of order 1e-4: epsilon must not swamp them",
                    C.TWO_LAYERS, 7, states=("zeros", "zeros"), tiny=True, args=(1, 0.01)),
])
def test_adam_update(student, reference, case):
    inputs = case.inputs()
    params, grads, (m, v) = inputs["params"], inputs["grads"], inputs["states"]
    args, kwargs, values = _settings(case, ADAM)
    got = student.call("adam_update", params, grads, m, v, *args, **kwargs)
    expected = reference.adam_update(params, grads, m, v, *args, **kwargs)
    _expect_update(got, tuple(expected), ("the parameters", "m", "v"),
                   M.wrong_adam(params, grads, m, v, values["t"], values["learning_rate"], values["beta1"],
                                values["beta2"], values["epsilon"], values["default_rate"]))


# ----------------------------------------------------------------------------- train

#: Each optimizer's learning rate in the step-by-step cases: the rates of the notebook's curves.
#: The cases that follow steps or look at the start use the first STEP_M training examples (any
#: data would do; fewer cost less to send and to run).
STEPS = {"sgd": 0.5, "momentum": 0.05, "rmsprop": 0.005, "adam": 0.01}
STEP_EPOCHS, STEP_N_H, STEP_M = 10, 8, 200
#: train's defaults reach, on the notebook's three-class split, a test accuracy of at least
#: C.MLP_ACCURACY - 0.05 = 0.63: measured with the reference from 2,000 of 2,000 seeds (lowest
#: 0.65, median 0.74; 25 ms each).
BAR = C.MLP_ACCURACY - 0.05


def _problem(reference) -> tuple:
    """The notebook's three-class problem (the reference's own helper): X, one-hot Y, X_test, labels."""
    X_train, X_test, y_train, y_test = reference.three_class_problem()
    return X_train, reference.one_hot(y_train, 3), X_test, y_test


def _trained(got, epochs: int, n_x: int, n_h: int, C_: int) -> tuple[dict, np.ndarray]:
    """(params, losses) of a train call, checked for structure and shapes."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise M.HINTS.mistake("train_length")
    params, losses = got
    params = expect_dict(params, PARAMETER_KEYS, "the parameters train returns")
    shapes = {"W1": (n_x, n_h), "b1": (1, n_h), "W2": (n_h, C_), "b2": (1, C_)}
    for key, shape in shapes.items():
        value = as_array(params[key], f"params['{key}']")
        if value.shape != shape:
            if key != "b2" and value.shape != shape and n_h not in value.shape:
                raise M.HINTS.mistake("train_n_h_ignored")
            raise Mistake(f"train returned {key} of shape {value.shape}, expected {shape}")
    if isinstance(losses, np.ndarray) and losses.ndim == 1:
        losses = list(losses)
    if not isinstance(losses, (list, tuple)) or len(losses) != epochs:
        raise M.HINTS.mistake("train_length")
    return ({key: np.asarray(params[key], dtype=float) for key in PARAMETER_KEYS},
            np.array([as_number(loss, "each loss") for loss in losses]))


def _start(student, X, Y, n_h: int, seed: int) -> dict:
    """The student's own starting weights for ``seed``: train for 0 epochs (or 1 epoch at rate 0)."""
    try:
        return _trained(student.call("train", X, Y, n_h=n_h, epochs=0, seed=seed), 0, X.shape[1], n_h, Y.shape[1])[0]
    except (StudentError, Mistake):
        got = student.call("train", X, Y, n_h=n_h, epochs=1, learning_rate=0.0, seed=seed)
        return _trained(got, 1, X.shape[1], n_h, Y.shape[1])[0]


def _train_case(case_id, description, weight=1.0, **settings):
    return Case(case_id, description, weight=weight, settings=settings)


def _check_start(student, reference, X, Y) -> None:
    n_h = 32
    got = student.call("train", X, Y, n_h=n_h, optimizer="sgd", epochs=2, learning_rate=0.0, seed=3)
    params, losses = _trained(got, 2, X.shape[1], n_h, Y.shape[1])
    if not np.allclose(losses, losses[0], rtol=1e-12, atol=0):
        raise M.HINTS.mistake("train_learning_rate_ignored")
    if np.any(params["b1"] != 0) or np.any(params["b2"] != 0):
        raise M.HINTS.mistake("train_biases_random")
    expect_random_weights(params["W1"], std=np.sqrt(2.0 / X.shape[1]), hints=M.HINTS)
    expect_random_weights(params["W2"], std=np.sqrt(2.0 / n_h), hints=M.HINTS)
    A2 = reference.two_layer_forward(X, params)[0]
    if close(losses[0], reference.categorical_cross_entropy(Y, A2)):
        return
    own = as_number(student.call("categorical_cross_entropy", Y, A2), "categorical_cross_entropy's answer")
    if not close(losses[0], own):  # a wrong loss function costs categorical_cross_entropy, not train
        raise Mistake("losses[0] should be categorical_cross_entropy(Y, A2) of the first forward pass")


def _check_seed(student, X, Y) -> None:
    first, again, other = (_start(student, X, Y, STEP_N_H, seed)["W1"] for seed in (4, 4, 5))
    if not np.allclose(first, again, rtol=0, atol=1e-12):
        raise M.HINTS.mistake("train_not_reproducible")
    if np.allclose(first, other):
        raise M.HINTS.mistake("train_seed_ignored")


def _check_steps(student, reference, X, Y, optimizer: str, seed: int, positional: bool) -> None:
    rate = STEPS[optimizer]
    start = _start(student, X, Y, STEP_N_H, seed)
    if positional:
        got = student.call("train", X, Y, STEP_N_H, optimizer, STEP_EPOCHS, rate, seed)
    else:
        got = student.call("train", X, Y, n_h=STEP_N_H, optimizer=optimizer, epochs=STEP_EPOCHS,
                           learning_rate=rate, seed=seed)
    params, losses = _trained(got, STEP_EPOCHS, X.shape[1], STEP_N_H, Y.shape[1])
    expected, expected_losses, outputs = M.trajectory(reference, X, Y, start, optimizer, STEP_EPOCHS, rate)
    if not all(close(params[key], expected[key], atol=1e-8) for key in PARAMETER_KEYS if np.all(np.isfinite(params[key]))):
        again = _start(student, X, Y, STEP_N_H, seed)
        if not all(np.allclose(again[key], start[key], rtol=0, atol=1e-12) for key in PARAMETER_KEYS):
            raise M.HINTS.mistake("train_not_reproducible")  # no start to follow the steps from
    expect_all(params, expected, M.wrong_trajectories(reference, X, Y, start, optimizer, STEP_EPOCHS, rate),
               M.HINTS, atol=1e-8,
               fallback=lambda key: f"{key} after {STEP_EPOCHS} epochs differs from the steps your own starting weights "
                                    f"should take: forward pass, loss, backward pass and one {optimizer} step per epoch")
    if close(losses, expected_losses):
        return
    if close(losses, M.trajectory(reference, X, Y, start, optimizer, STEP_EPOCHS, rate, "loss_after")[1]):
        raise M.HINTS.mistake("train_loss_after_update")
    own = [as_number(student.call("categorical_cross_entropy", Y, A2), "categorical_cross_entropy's answer")
           for A2 in outputs]
    if not close(losses, np.array(own)):  # a wrong loss function costs categorical_cross_entropy, not train
        raise Mistake("losses[i] should be categorical_cross_entropy(Y, A2) of epoch i's forward pass")


def _check_learning(student, reference, X, Y, X_test, y_test) -> None:
    params, _ = _trained(student.call("train", X, Y), 100, X.shape[1], 16, Y.shape[1])
    with np.errstate(all="ignore"):
        accuracy = reference.accuracy(params, X_test, y_test)
    if not accuracy >= BAR:
        raise Mistake(f"with the defaults the test accuracy is {accuracy:.1%}; it should reach {BAR:.0%}, "
                      f"MLPClassifier's {C.MLP_ACCURACY:.0%} minus 5 points: check that every epoch runs the forward "
                      "pass, the backward pass and one optimizer step, in that order", "train_not_learning")


@grader("train", uses=("two_layer_forward", "two_layer_backward", "categorical_cross_entropy", "sgd_update",
                       "momentum_update", "rmsprop_update", "adam_update"), cases=[
    _train_case("starting_weights", "train(X, Y, n_h=32, optimizer='sgd', epochs=2, learning_rate=0.0, seed=3): "
                                    "He-scaled weights, zero biases, two equal losses (the loss of the start)",
                expect="start"),
    _train_case("seed", "the seed decides the start: seed 4 twice gives the same weights, seed 5 others",
                expect="seed"),
    *(_train_case(f"{name}_steps", f"{STEP_EPOCHS} epochs of optimizer={name!r} at learning rate {rate} from your own "
                                   f"starting weights, followed step by step"
                                   + (" (every argument by position)" if name == "momentum" else ""),
                  expect="steps", optimizer=name, seed=index, positional=name == "momentum")
      for index, (name, rate) in enumerate(STEPS.items(), start=10)),
    _train_case("learns", "the defaults (Adam, 100 epochs, learning rate 0.01) on the three-class problem: test "
                          "accuracy at least MLPClassifier's minus 5 points", weight=2, expect="learns"),
])
def test_train(student, reference, case):
    X, Y, X_test, y_test = _problem(reference)
    expect = case.settings["expect"]
    if expect == "start":
        _check_start(student, reference, X[:STEP_M], Y[:STEP_M])
    elif expect == "seed":
        _check_seed(student, X[:STEP_M], Y[:STEP_M])
    elif expect == "steps":
        _check_steps(student, reference, X[:STEP_M], Y[:STEP_M], case.settings["optimizer"], case.settings["seed"],
                     case.settings["positional"])
    else:
        _check_learning(student, reference, X, Y, X_test, y_test)
