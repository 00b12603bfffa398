"""Inputs the graders build for building_blocks, row-major: X (m, n_x), one-hot Y (m, C),
W1 (n_x, n_h), b1 (1, n_h), W2 (n_h, C), b2 (1, C).

Everything is trusted and deterministic (seeded), so regrading gives the same scores. Every case
set mixes signs, sizes and shapes so that no answer that ignores its input (zeros, ones, the
input echoed back) passes a case.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Case

# ----------------------------------------------------------------------------- activations

#: Exact zeros (where ReLU's slope is decided by convention) and both signs.
HAND_Z = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, 0.0]])
#: |Z| up to 1000: the seed's sigmoid overflows below -709.78, a naive tanh for any |Z| > 355.
LARGE_Z = np.array([[-1000.0, -710.0, -40.0, -0.25, 0.0, 0.25, 40.0, 710.0, 1000.0]])


def pre_activations(shape: tuple[int, ...], seed: int, scale: float = 3.0) -> dict:
    """Z with values on both sides of 0, one exact 0 and one value in each tail."""
    rng = np.random.default_rng(seed + 3000)
    Z = rng.normal(size=shape) * scale
    Z.flat[0], Z.flat[-1], Z.flat[len(Z.flat) // 2] = 8.0, -8.0, 0.0
    return {"Z": Z}


ACTIVATION_CASES = [
    Case("hand_2x3", "a 2 x 3 array with exact zeros and both signs", lambda: {"Z": HAND_Z}),
    Case("random_5x4", "random values of both signs, shape (5, 4)", lambda: pre_activations((5, 4), 1)),
    Case("one_row_1x6", "one row (m = 1), shape (1, 6)", lambda: pre_activations((1, 6), 2)),
    Case("flat_7", "a flat array of 7 values (any shape works element-wise)", lambda: pre_activations((7,), 3)),
    Case("large_1x9", "|Z| up to 1000: finite, accurate and without an overflow warning", lambda: {"Z": LARGE_Z},
         settings={"large": True}),
]

# ----------------------------------------------------------------------------- softmax

#: The seed's example: scores (2.0, 1.0, 0.1) of one example.
SEED_SCORES = np.array([[2.0, 1.0, 0.1]])


def scores(m: int, C: int, seed: int, scale: float = 2.0, offset: float = 0.0) -> dict:
    """Rows of C scores; the rows get different offsets, so rows and columns are told apart."""
    rng = np.random.default_rng(seed + 4000)
    return {"Z": rng.normal(size=(m, C)) * scale + rng.normal(size=(m, 1)) * 3 + offset}


SOFTMAX_CASES = [
    Case("seed_example", "the seed's scores (2.0, 1.0, 0.1), one row", lambda: {"Z": SEED_SCORES}),
    Case("batch_4x3", "a batch of 4 examples, 3 classes", lambda: scores(4, 3, 1)),
    Case("two_classes_5x2", "C = 2 classes, 5 examples", lambda: scores(5, 2, 2)),
    Case("ten_classes_6x10", "C = 10 classes, 6 examples", lambda: scores(6, 10, 3)),
    Case("large_3x4", "scores around 1000: no overflow", lambda: scores(3, 4, 4, offset=1000.0)),
    Case("far_apart_2x3", "one row of scores near 1000 and one near -1000",
         lambda: {"Z": np.array([[1000.0, 1002.0, 999.0], [-1000.0, -1001.0, -999.5]])}),
]

# ----------------------------------------------------------------------------- losses


def one_hot_rows(m: int, C: int, seed: int, labels_int: bool = False) -> np.ndarray:
    """m one-hot rows with every class present when m >= C."""
    rng = np.random.default_rng(seed + 5000)
    labels = rng.permutation(np.arange(m) % C)
    Y = np.eye(C)[labels]
    return Y.astype(int) if labels_int else Y


def probabilities(m: int, C: int, seed: int, labels_int: bool = False) -> dict:
    """One-hot Y and softmax-like rows Y_hat strictly inside (0, 1)."""
    rng = np.random.default_rng(seed + 6000)
    P = rng.uniform(0.05, 1.0, size=(m, C))
    return {"Y": one_hot_rows(m, C, seed, labels_int), "Y_hat": P / P.sum(axis=1, keepdims=True)}


def binary(m: int, C: int, seed: int, labels_int: bool = False) -> dict:
    """Labels 0/1 of both values (m > 1) and predictions strictly inside (0, 1)."""
    rng = np.random.default_rng(seed + 7000)
    Y = rng.random((m, C)) < 0.5
    if m > 1:
        Y[0, 0], Y[-1, 0] = True, False
    return {"Y": Y.astype(int if labels_int else float), "Y_hat": rng.uniform(0.05, 0.95, size=(m, C))}


def regression(m: int, C: int, seed: int) -> dict:
    rng = np.random.default_rng(seed + 8000)
    return {"Y": rng.normal(size=(m, C)) * 2, "Y_hat": rng.normal(size=(m, C)) * 2}


#: Certain predictions, right and wrong: without clipping, nan or inf.
CERTAIN_BINARY = {"Y": np.array([[1.0], [0.0], [1.0], [0.0], [1.0]]),
                  "Y_hat": np.array([[1.0], [0.0], [0.0], [1.0], [0.7]])}
CERTAIN_CLASSES = {"Y": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
                   "Y_hat": np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])}

# ----------------------------------------------------------------------------- the network

#: Test accuracy of MLPClassifier(hidden_layer_sizes=(16,), random_state=0) on the notebook's
#: three-class split (three_class_problem(), scikit-learn 1.9.1): an MLP fit costs half a second,
#: too much per submission, so it is measured once and recorded (see MEASURED).
MLP_ACCURACY = 0.68


def _mlp_accuracy(reference) -> float:
    X_train, X_test, y_train, y_test = reference.three_class_problem()
    return reference.mlp_accuracy(X_train, y_train, X_test, y_test, random_state=0)


#: Values recorded above instead of computed while grading: name -> (value, how the reference
#: measures it). The suite measures each again, so a new scikit-learn cannot move a bar unnoticed.
MEASURED = {"MLP_ACCURACY": (MLP_ACCURACY, _mlp_accuracy)}


def dense_parameters(sizes: list[int], seed: int, scale: float = 1.0) -> dict:
    """W1, b1, W2, b2, ... of a dense network with the given layer sizes."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out)) * scale
        params[f"b{layer}"] = rng.normal(size=(1, n_out)) * 0.5
    return params


def network_problem(m: int, n_x: int, n_h: int, C: int, seed: int, output_scale: float = 1.0) -> dict:
    """X (m, n_x), one-hot Y (m, C) and parameters whose hidden units are on for some rows only."""
    rng = np.random.default_rng(seed + 9000)
    params = dense_parameters([n_x, n_h, C], seed)
    params["W2"] = params["W2"] * output_scale
    return {"X": rng.normal(size=(m, n_x)), "Y": one_hot_rows(m, C, seed), "params": params}


def network_cases(sizes: list[tuple[int, int, int, int]], first_seed: int = 1) -> list[Case]:
    """One case per (m, n_x, n_h, C): the shapes are in the description, the numbers are not."""
    return [Case(f"random_m{m}_x{n_x}_h{n_h}_c{C}", f"random inputs: m = {m}, n_x = {n_x}, n_h = {n_h}, C = {C}",
                 lambda m=m, n_x=n_x, n_h=n_h, C=C, seed=seed: network_problem(m, n_x, n_h, C, seed))
            for seed, (m, n_x, n_h, C) in enumerate(sizes, start=first_seed)]


# ----------------------------------------------------------------------------- optimizers

TWO_LAYERS = [3, 4, 2]
THREE_LAYERS = [3, 5, 4, 2]   # keys W1 .. b3: an optimizer must loop over the keys it is given


def gradients(params: dict, seed: int, zeros: bool = False, tiny: bool = False) -> dict:
    """'d' + key for every parameter; with ``zeros``, a third of the entries exactly 0; ``tiny``
    ones of order 1e-4, as near a minimum, where an epsilon in the wrong place shows."""
    rng = np.random.default_rng(seed + 10000)
    grads = {}
    for key, value in params.items():
        g = rng.normal(size=value.shape) * (1e-4 if tiny else 1.0)
        if zeros:
            g[rng.random(value.shape) < 1 / 3] = 0.0
            g.flat[0] = 0.0
        grads["d" + key] = g
    return grads


def state(params: dict, seed: int, kind: str) -> dict:
    """An optimizer's state after some steps: 'signed' (a velocity, a first moment), 'squares'
    (a running mean square, positive), or 'zeros' (the first step)."""
    rng = np.random.default_rng(seed + 11000)
    if kind == "zeros":
        return {key: np.zeros_like(value) for key, value in params.items()}
    if kind == "squares":
        return {key: rng.normal(size=value.shape) ** 2 * 0.5 for key, value in params.items()}
    return {key: rng.normal(size=value.shape) for key, value in params.items()}


def optimizer_inputs(sizes: list[int], seed: int, states: tuple[str, ...] = (), zeros: bool = False,
                     tiny: bool = False) -> dict:
    params = dense_parameters(sizes, seed)
    return {"params": params, "grads": gradients(params, seed, zeros, tiny),
            "states": [state(params, seed + index, kind) for index, kind in enumerate(states)]}
