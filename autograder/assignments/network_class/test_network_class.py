"""Hidden graders of network_class: each method of SimpleNeuralNetwork is its own exercise.

Every method is graded on an instance the grader builds without the student's ``__init__``
(``bare``), holding the state seed 000's ``__init__`` creates, so a broken constructor or
forward pass costs only its own points. The same is done with the reference class, in this
trusted process, for the expected answers.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import (Case, Mistake, as_array, as_number, close, diagnose, expect_all, expect_close,
                                expect_dict, expect_labels, expect_random_weights, grader, numerical_gradient)

from . import cases as C
from . import mistakes as M

CACHE_KEYS = ["Z1", "A1", "Z2", "A2", "X"]
GRAD_KEYS = ["dW1", "db1", "dW2", "db2"]
PARAMETER_KEYS = list(C.PARAMETER_KEYS)


def network(who, p: dict, **more):
    """An instance of who's SimpleNeuralNetwork holding ``p``, made without its __init__;
    ``parameters`` is a dict of the very same arrays, as seed 000's __init__ makes it."""
    return who.bare(C.CLASS, C.state(p, **more), aliases={"parameters": PARAMETER_KEYS})


def method(name: str) -> str:
    return f"{C.CLASS}.{name}"


# ----------------------------------------------------------------------------- __init__

def _init_case(n_x, n_h, n_y, description):
    return Case(f"sizes_{n_x}_{n_h}_{n_y}", description, lambda: {"sizes": (n_x, n_h, n_y)})


@grader("init", target=method("__init__"), cases=[
    _init_case(2, 4, 1, "SimpleNeuralNetwork(2, 4, 1)"),
    _init_case(3, 7, 2, "SimpleNeuralNetwork(3, 7, 2): every size from its own argument"),
    _init_case(40, 50, 30, "SimpleNeuralNetwork(40, 50, 30): the weights look drawn from N(0, 0.01²)"),
])
def test_init(student, reference, case):
    n_x, n_h, n_y = case.inputs()["sizes"]
    obj = student.new(C.CLASS, n_x, n_h, n_y)
    shapes = {"W1": (n_x, n_h), "b1": (1, n_h), "W2": (n_h, n_y), "b2": (1, n_y)}
    got = {key: as_array(obj.get(key), f"self.{key}") for key in shapes}
    for key, shape in shapes.items():
        if got[key].shape == shape:
            continue
        if key.startswith("W") and got[key].shape == shape[::-1]:
            raise M.HINTS.mistake("weights_column_major")
        if key.startswith("b") and got[key].shape == shape[::-1]:
            raise M.HINTS.mistake("biases_column")
        raise Mistake(f"self.{key} has shape {got[key].shape}, expected {shape}")
    if np.any(got["b1"] != 0) or np.any(got["b2"] != 0):
        raise M.HINTS.mistake("biases_random")
    expect_random_weights(np.concatenate([got["W1"].ravel(), got["W2"].ravel()]), std=0.01, hints=M.HINTS)
    kept = obj.get("parameters")
    if not (isinstance(kept, dict) and all(key in kept and close(kept[key], got[key]) for key in shapes)):
        raise M.HINTS.mistake("parameters_not_kept")
    if obj.get("gradients") != {} or obj.get("cache") != {}:
        raise M.HINTS.mistake("state_not_empty")


# ----------------------------------------------------------------------------- sigmoid, sigmoid_derivative

ACTIVATION_CASES = [
    Case("matrix_5x3", "Z of shape (5, 3) with large positive and negative entries", lambda: C.pre_activations((5, 3), 1)),
    Case("one_row", "one example: Z of shape (1, 4)", lambda: C.pre_activations((1, 4), 2)),
    Case("column", "a column Z of shape (6, 1)", lambda: C.pre_activations((6, 1), 3, scale=1.0)),
]


def _activation(student, reference, case, name, wrong):
    Z = case.inputs()["Z"]
    obj = network(student, C.parameters(2, 2, 1, seed=0))
    expected = network(reference, C.parameters(2, 2, 1, seed=0)).call(name, Z)
    expect_close(obj.call(name, Z), expected, f"{name}(Z)", wrong=wrong(Z), hint=M.HINTS)


@grader("sigmoid", target=method("sigmoid"), cases=ACTIVATION_CASES)
def test_sigmoid(student, reference, case):
    _activation(student, reference, case, "sigmoid", M.wrong_sigmoids)


@grader("sigmoid_derivative", target=method("sigmoid_derivative"), cases=ACTIVATION_CASES, uses=("sigmoid",))
def test_sigmoid_derivative(student, reference, case):
    _activation(student, reference, case, "sigmoid_derivative", M.wrong_derivatives)


# ----------------------------------------------------------------------------- forward_propagation

def _problem_cases(sizes: list[tuple[int, int, int]], first_seed: int = 1) -> list[Case]:
    """The worked example, then one case per (n_x, n_h, m): the shapes are in the description."""
    return [Case("worked_example", "the worked example of assignment 1, as a row: X = [[1, 0]]", lambda: C.WORKED)] + [
        Case(f"random_{m}x{n_x}_h{n_h}", f"random inputs with m = {m} examples, n_x = {n_x}, n_h = {n_h}",
             lambda n_x=n_x, n_h=n_h, m=m, seed=seed: C.problem(n_x, n_h, m, seed))
        for seed, (n_x, n_h, m) in enumerate(sizes, start=first_seed)]


@grader("forward_propagation", target=method("forward_propagation"), uses=("sigmoid",),
        cases=_problem_cases([(3, 4, 5), (4, 2, 1), (2, 3, 50)]))
def test_forward_propagation(student, reference, case):
    X, p = case.inputs()["X"], case.inputs()["parameters"]
    obj, trusted = network(student, p), network(reference, p)
    A2 = as_array(obj.call("forward_propagation", X), "the returned A2")
    expected = trusted.call("forward_propagation", X)
    if A2.shape == expected.shape[::-1] and A2.shape != expected.shape:
        raise M.HINTS.mistake("forward_column_major")
    expect_close(A2, expected, "the returned A2", wrong=M.wrong_forwards(X, p), hint=M.HINTS)
    cache = obj.get("cache")
    if not cache:
        raise M.HINTS.mistake("cache_not_stored")
    if isinstance(cache, dict) and "X" not in cache and all(k in cache for k in CACHE_KEYS[:-1]):
        raise M.HINTS.mistake("cache_missing_X")
    expect_dict(cache, CACHE_KEYS, "self.cache")
    right = trusted.get("cache")
    for key in CACHE_KEYS:
        if key != "X" and np.shape(cache[key]) == np.shape(right[key])[::-1] != np.shape(right[key]):
            raise M.HINTS.mistake("forward_column_major")
        swapped = {f"cache_keys_swapped@{other}": right[other] for other in CACHE_KEYS
                   if other != key and np.shape(right[other]) == np.shape(right[key])}
        expect_close(cache[key], right[key], f"self.cache['{key}']", wrong=swapped, hint=M.HINTS)


# ----------------------------------------------------------------------------- compute_loss

def _loss_case(m, seed, labels_int=False):
    kind = "integer" if labels_int else "float"
    return Case(f"random_m{m}" + ("_int_labels" if labels_int else ""),
                f"random probabilities and {kind} labels, m = {m}", lambda: C.probabilities(m, seed, labels_int))


@grader("compute_loss", target=method("compute_loss"), cases=[
    Case("worked_example", "the worked example: y = 1, ŷ = 0.59618",
         lambda: {"Y": np.array([[1.0]]), "Y_hat": np.array([[0.5961799]])}),
    _loss_case(10, 1), _loss_case(1, 2), _loss_case(200, 3, labels_int=True),
    Case("certain_and_right", "predictions of exactly 1 and 0 where they are right cost about nothing",
         lambda: {"Y": np.array([[1.0], [0.0], [1.0]]), "Y_hat": np.array([[1.0], [0.0], [0.5]])}),
    Case("certain_and_wrong", "a prediction of exactly 0 for label 1: a large loss, but finite",
         lambda: {"Y": np.array([[1.0]]), "Y_hat": np.array([[0.0]])}, settings={"within": (5, 100)}),
])
def test_compute_loss(student, reference, case):
    Y, Y_hat = case.inputs()["Y"], case.inputs()["Y_hat"]
    p = C.parameters(2, 2, 1, seed=0)
    got = as_number(network(student, p).call("compute_loss", Y, Y_hat), "the loss")
    if not np.isfinite(got):
        raise M.HINTS.mistake("loss_not_finite")
    if "within" in case.settings:  # clipping at 1e-12, 1e-15 or 1e-7 are all fine here
        low, high = case.settings["within"]
        if not low <= got <= high:
            known = diagnose(got, M.wrong_losses(Y, Y_hat), M.HINTS, "")
            raise known if known.key else M.HINTS.mistake("loss_sign" if -high <= got <= -low else "loss_not_clipped")
        return
    expected = network(reference, p).call("compute_loss", Y, Y_hat)
    expect_close(got, expected, "the loss", wrong=M.wrong_losses(Y, Y_hat), hint=M.HINTS,
                 fallback="the loss is wrong: L = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)], m = Y.shape[0]")


# ----------------------------------------------------------------------------- backward_propagation

@grader("backward_propagation", target=method("backward_propagation"), uses=("sigmoid_derivative",),
        cases=_problem_cases([(3, 4, 6), (2, 3, 1)]) + [
            Case("gradient_check", "a numerical gradient check on a random problem (m = 8, n_x = 3, n_h = 2)",
                 lambda: C.problem(3, 2, 8, seed=42), settings={"numerical": True})])
def test_backward_propagation(student, reference, case):
    X, Y, p = case.inputs()["X"], case.inputs()["Y"], case.inputs()["parameters"]
    cache = M.forward(X, p)  # trusted: backward is graded on a cache the grader sets
    obj = network(student, p, cache=cache)
    obj.call("backward_propagation", Y)
    got = obj.get("gradients")
    if not got:
        raise M.HINTS.mistake("gradients_not_stored")
    got = expect_dict(got, GRAD_KEYS, "self.gradients")
    if case.settings.get("numerical"):
        def loss(q):
            trusted = network(reference, q)
            return float(trusted.call("compute_loss", Y, trusted.call("forward_propagation", X)))
        expected, rtol = numerical_gradient(loss, p), 1e-4
    else:
        trusted = network(reference, p, cache=cache)
        trusted.call("backward_propagation", Y)
        expected, rtol = trusted.get("gradients"), 1e-5
    expect_all(got, expected, M.wrong_backwards(p, cache, Y), M.HINTS, rtol=rtol, atol=1e-8,
               fallback=lambda key: f"{key} is wrong: follow the chain rule from dZ2 = A2 − Y back to {key}")


# ----------------------------------------------------------------------------- update_parameters

def _update_case(case_id, description, seed, rate, how):
    def build():
        p = C.parameters(3, 4, 1, seed)
        return {"parameters": p, "grads": C.gradients(p, seed)}
    return Case(case_id, description, build, settings={"learning_rate": rate, "how": how})


@grader("update_parameters", target=method("update_parameters"), cases=[
    _update_case("positional_rate", "update_parameters(0.5)", 1, 0.5, "positional"),
    _update_case("keyword_rate", "update_parameters(learning_rate=0.05)", 2, 0.05, "keyword"),
    _update_case("large_rate", "update_parameters(1.3)", 3, 1.3, "positional"),
])
def test_update_parameters(student, reference, case):
    p, g, rate = case.inputs()["parameters"], case.inputs()["grads"], case.settings["learning_rate"]
    obj = network(student, p, gradients=g)
    if case.settings["how"] == "keyword":
        obj.call("update_parameters", learning_rate=rate)
    else:
        obj.call("update_parameters", rate)
    trusted = network(reference, p, gradients=g)
    trusted.call("update_parameters", rate)
    expected = {key: trusted.get(key) for key in PARAMETER_KEYS}
    attributes = {key: obj.get(key) for key in PARAMETER_KEYS}
    kept = expect_dict(obj.get("parameters"), PARAMETER_KEYS, "self.parameters")
    attributes_right = all(close(attributes[k], expected[k], f"self.{k}") for k in PARAMETER_KEYS)
    kept_right = all(close(kept[k], expected[k], f"self.parameters['{k}']") for k in PARAMETER_KEYS)
    if attributes_right and not kept_right and all(close(kept[k], p[k]) for k in PARAMETER_KEYS):
        raise M.HINTS.mistake("parameters_stale")
    if kept_right and not attributes_right and all(close(attributes[k], p[k]) for k in PARAMETER_KEYS):
        raise M.HINTS.mistake("attributes_stale")
    expect_all(attributes, expected, M.wrong_updates(p, g, rate), M.HINTS,
               fallback=lambda key: f"self.{key} is wrong: {key} = {key} − learning_rate · d{key}")
    expect_all(kept, expected, {}, M.HINTS, fallback=lambda key: f"self.parameters['{key}'] is wrong")


# ----------------------------------------------------------------------------- train

# The grader starts every student from the same seeded weights of scale 0.01. Four hidden units
# at learning rate 3 cross the plateau at log 2 quickly: measured with the reference, 200 epochs
# on these 100 blobs reach 100% training accuracy from 2,000 of 2,000 random starts (25 ms).
# The signature's defaults (1000 epochs at 0.5) stay on the plateau near 55% from every start.
BLOBS_M, BLOBS_N_H, BLOBS_EPOCHS, BLOBS_RATE = 100, 4, 200, 3.0


def _start(n_x, n_h, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(n_x, n_h)) * 0.01, "b1": np.zeros((1, n_h)),
            "W2": rng.normal(size=(n_h, 1)) * 0.01, "b2": np.zeros((1, 1))}


def _train_case(case_id, description, epochs, rate, expect, weight=1.0):
    return Case(case_id, description, lambda: {"start": _start(2, BLOBS_N_H)}, weight=weight,
                settings={"epochs": epochs, "learning_rate": rate, "expect": expect})


def _trained(reference, start, X, Y, epochs, **rate) -> dict:
    """The reference network's parameters after ``epochs`` epochs of train from ``start``."""
    trusted = network(reference, start)
    trusted.call("train", X, Y, epochs=epochs, **rate)
    return {key: trusted.get(key) for key in PARAMETER_KEYS}


@grader("train", target=method("train"),
        uses=("forward_propagation", "compute_loss", "backward_propagation", "update_parameters"), cases=[
    _train_case("loss_history", "train(X, Y, epochs=5, learning_rate=1.5): five steps of gradient descent, "
                                "one loss per epoch, each before that epoch's update", 5, 1.5, "history"),
    _train_case("learns_blobs", f"training on the XOR blobs (m = {BLOBS_M}, hidden_size = {BLOBS_N_H}, "
                                f"{BLOBS_EPOCHS} epochs): the loss falls and the training accuracy reaches 90%",
                BLOBS_EPOCHS, BLOBS_RATE, "learned", weight=2),
    _train_case("zero_learning_rate", "learning_rate = 0: the parameters and the loss stay where they started",
                10, 0.0, "unchanged"),
])
def test_train(student, reference, case):
    """train is judged by what it does to the parameters; its losses by the student's own
    compute_loss, so a wrong loss formula costs compute_loss, not train."""
    X, Y = (np.asarray(v, dtype=float) for v in reference.make_xor_blobs(m=BLOBS_M, seed=0))
    start, epochs, rate = case.inputs()["start"], case.settings["epochs"], case.settings["learning_rate"]
    obj = network(student, start)
    losses = obj.call("train", X, Y, epochs=epochs, learning_rate=rate)
    if not isinstance(losses, (list, tuple)) or len(losses) != epochs:
        raise M.HINTS.mistake("train_length")
    losses = np.array([as_number(loss, "each loss") for loss in losses])
    if not np.all(np.isfinite(losses)):
        raise Mistake("some losses are nan or infinite: the training diverged")
    got = {key: as_array(obj.get(key), f"self.{key}") for key in PARAMETER_KEYS}
    moved = any(not np.allclose(got[key], start[key], rtol=0, atol=1e-12) for key in PARAMETER_KEYS)
    if case.settings["expect"] == "unchanged":
        if moved or not np.allclose(losses, losses[0]):
            raise M.HINTS.mistake("train_learning_rate_ignored")
        return
    if not moved:
        raise M.HINTS.mistake("train_not_updating")
    if case.settings["expect"] == "history":
        expect_all(got, _trained(reference, start, X, Y, epochs, learning_rate=rate),
                   {"train_learning_rate_ignored": _trained(reference, start, X, Y, epochs)}, M.HINTS,
                   fallback=lambda key: f"self.{key} after {epochs} epochs differs from {epochs} steps of gradient "
                                        "descent: forward, loss, backward, update with the learning_rate, in that order")
        first = M.forward(X, start)["A2"]
        own = as_number(network(student, start).call("compute_loss", Y, first), "compute_loss's answer")
        if not close(losses[0], own):
            after_one = M.forward(X, _trained(reference, start, X, Y, 1, learning_rate=rate))["A2"]
            if close(losses[0], as_number(network(student, start).call("compute_loss", Y, after_one), "the loss")):
                raise M.HINTS.mistake("train_loss_after_update")
            raise Mistake("losses[0] should be compute_loss(Y, A2) of the first forward pass, before any update")
        return
    accuracy = float(np.mean(network(reference, got).call("predict", X) == Y))
    if accuracy < 0.9:
        raise Mistake(f"after training, the training accuracy is {accuracy:.0%}; it should reach 90%: check that "
                      "every epoch runs forward, backward and update with the learning_rate argument",
                      "train_not_updating")


# ----------------------------------------------------------------------------- predict

def _predict_case(n_x, m, seed):
    """Random parameters whose output bias puts half of the m (even) examples on each side of
    0.5, so that no constant answer passes."""
    def build():
        rng = np.random.default_rng(seed)
        X, p = rng.normal(size=(m, n_x)) * 2, C.parameters(n_x, 3, 1, seed)
        Z2 = M.forward(X, p)["Z2"] - p["b2"]
        p["b2"] = np.array([[-np.median(Z2)]])
        return {"X": X, "parameters": p}
    return Case(f"random_{m}x{n_x}", f"random parameters, m = {m}, n_x = {n_x}, both classes predicted", build)


@grader("predict", target=method("predict"), uses=("forward_propagation",),
        cases=[_predict_case(2, 30, 1), _predict_case(3, 2, 2), _predict_case(2, 200, 3)])
def test_predict(student, reference, case):
    X, p = case.inputs()["X"], case.inputs()["parameters"]
    got = as_array(network(student, p).call("predict", X), "the predictions")
    expected = np.asarray(network(reference, p).call("predict", X), dtype=float)
    if got.shape == (X.shape[0],):
        raise M.HINTS.mistake("predict_flat")
    if got.shape == expected.shape[::-1] and got.shape != expected.shape:
        raise M.HINTS.mistake("predict_transposed")
    if got.shape != expected.shape:
        raise Mistake(f"the predictions have shape {got.shape}, expected (m, 1) = {expected.shape}")
    expect_labels(got, expected, M.forward(X, p)["A2"], M.HINTS)
