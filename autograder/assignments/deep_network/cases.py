"""Inputs the graders of deep_network build, in the row-major list-of-layers convention:
X (m, n_0), one-hot Y (m, n_L), weights[l] (n_l, n_{l+1}), biases[l] (1, n_{l+1}).

Everything is trusted and deterministic (seeded), so regrading gives the same scores. Random
networks have weights of scale 1, so that some ReLUs are active and some are not and a wrong
activation or derivative cannot hide. Data for the shuffling exercises has rows that can be
traced back to the example they came from, so a grader checks where every example went without
ever asking in which order it was drawn.
"""
from __future__ import annotations

from functools import cache

import numpy as np


def network(sizes: list[int], seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"weights": [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
            "biases": [rng.normal(size=(1, b)) * 0.5 for b in sizes[1:]]}


def labels(m: int, n_classes: int, seed: int) -> np.ndarray:
    """m integer labels; every class occurs when m >= n_classes."""
    rng = np.random.default_rng(seed + 100)
    y = np.arange(m) % n_classes
    return y[rng.permutation(m)]


def problem(sizes: list[int], m: int, seed: int) -> dict:
    """X, one-hot Y and a random network of the given layer sizes."""
    rng = np.random.default_rng(seed + 1000)
    return {"X": rng.normal(size=(m, sizes[0])), "Y": np.eye(sizes[-1])[labels(m, sizes[-1], seed)],
            **network(sizes, seed)}


def probabilities(m: int, n_classes: int, seed: int) -> dict:
    """One-hot labels Y and softmax outputs Y_hat of random scores."""
    rng = np.random.default_rng(seed + 2000)
    scores = rng.normal(size=(m, n_classes)) * 2
    E = np.exp(scores - scores.max(axis=1, keepdims=True))
    return {"Y": np.eye(n_classes)[labels(m, n_classes, seed)], "Y_hat": E / E.sum(axis=1, keepdims=True)}


def with_dead_units(p: dict, seed: int) -> dict:
    """A problem whose cache has pre-activations of exactly 0 in every hidden layer (and the
    activations that go with them), where the ReLU's derivative convention shows."""
    rng = np.random.default_rng(seed + 3000)
    A, activations, Zs = p["X"], [p["X"]], []
    L = len(p["weights"])
    for l in range(L):
        Z = A @ p["weights"][l] + p["biases"][l]
        if l < L - 1:
            Z[rng.random(Z.shape) < 0.3] = 0.0
            A = np.maximum(Z, 0.0)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        Zs.append(Z)
        activations.append(A)
    return {**p, "cache": {"activations": activations, "Z": Zs}}


def traceable(m: int, n: int, seed: int, data_max: int, n_classes: int, skip_class: int | None = None) -> dict:
    """X of integer values 0..data_max whose rows all differ (the first two columns count the
    examples), in a random order, and labels y; with ``skip_class`` that label never occurs
    (the largest label still does)."""
    rng = np.random.default_rng(seed + 4000)
    X = rng.integers(0, data_max + 1, size=(m, n)).astype(float)
    X[:, 0], X[:, 1] = np.arange(m) % (data_max + 1), np.arange(m) // (data_max + 1)
    classes = [k for k in range(n_classes) if k != skip_class]
    y = np.array(classes)[labels(m, len(classes), seed)]
    return {"X": X[rng.permutation(m)], "y": y}


def gradients_like(p: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed + 5000)
    return {"dW": [rng.normal(size=W.shape) for W in p["weights"]],
            "db": [rng.normal(size=b.shape) for b in p["biases"]]}


def velocities_like(p: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed + 6000)
    return {"velocity_w": [rng.normal(size=W.shape) * 0.1 for W in p["weights"]],
            "velocity_b": [rng.normal(size=b.shape) * 0.1 for b in p["biases"]]}


def predictions(m: int, n_classes: int, seed: int, accuracy: float, true_classes: list[int] | None = None,
                predicted_classes: list[int] | None = None) -> dict:
    """y_true and y_pred of integer labels, about ``accuracy`` of them equal."""
    rng = np.random.default_rng(seed + 7000)
    true_classes = true_classes or list(range(n_classes))
    predicted_classes = predicted_classes or list(range(n_classes))
    y_true = np.array(true_classes)[labels(m, len(true_classes), seed)]
    y_pred = np.where(rng.random(m) < accuracy, y_true, rng.choice(predicted_classes, size=m))
    y_pred = np.where(np.isin(y_pred, predicted_classes), y_pred, predicted_classes[0])
    return {"y_true": y_true, "y_pred": y_pred}


@cache
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8 x 8 digits: X (1797, 64) with values 0..16, y (1797,)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data.astype(float), data.target.astype(int)


def digits_split(seed: int = 0, validation_split: float = 0.2) -> dict:
    """The graders' own split of the digits, scaled to [0, 1]: 1,437 training and 360 validation
    images with one-hot training labels and integer validation labels."""
    X, y = digits()
    order = np.random.default_rng(seed).permutation(len(X))
    split = int(len(X) * (1 - validation_split))
    train, val = order[:split], order[split:]
    return {"X_train": X[train] / 16.0, "Y_train": np.eye(10)[y[train]], "X_val": X[val] / 16.0, "y_val": y[val]}


def digits_subset(m: int, seed: int) -> dict:
    """m scaled digits with one-hot labels: a small, real training set."""
    X, y = digits()
    rows = np.random.default_rng(seed + 8000).permutation(len(X))[:m]
    return {"X": X[rows] / 16.0, "Y": np.eye(10)[y[rows]]}
