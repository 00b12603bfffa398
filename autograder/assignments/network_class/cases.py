"""Inputs the graders build for network_class, in the row-major convention: X (m, n_x), one
example per row; W1 (n_x, n_h), b1 (1, n_h), W2 (n_h, n_y), b2 (1, n_y).

Everything is trusted and deterministic (seeded), so regrading gives the same scores. Weights
are drawn at scale 1 so that the sigmoids are really nonlinear and a wrong activation or
derivative cannot hide in the flat middle of the curve.
"""
from __future__ import annotations

import numpy as np

PARAMETER_KEYS = ("W1", "b1", "W2", "b2")
CLASS = "SimpleNeuralNetwork"

#: The pen-and-paper network of shallow_network, transposed into rows: one example (1, 0).
WORKED = {
    "X": np.array([[1.0, 0.0]]),
    "Y": np.array([[1.0]]),
    "parameters": {"W1": np.array([[0.1, 0.3], [0.2, 0.4]]), "b1": np.array([[0.1, 0.1]]),
                   "W2": np.array([[0.2], [0.3]]), "b2": np.array([[0.1]])},
}


def parameters(n_x: int, n_h: int, n_y: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(n_x, n_h)), "b1": rng.normal(size=(1, n_h)),
            "W2": rng.normal(size=(n_h, n_y)), "b2": rng.normal(size=(1, n_y))}


def problem(n_x: int, n_h: int, m: int, seed: int, n_y: int = 1) -> dict:
    """X, labels Y (m, n_y) with both classes present when m > 1, and parameters."""
    rng = np.random.default_rng(seed + 1000)
    X = rng.normal(size=(m, n_x))
    Y = (np.arange(m * n_y) % 2 == 0).astype(float)[rng.permutation(m * n_y)].reshape(m, n_y)
    return {"X": X, "Y": Y, "parameters": parameters(n_x, n_h, n_y, seed)}


def gradients(p: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed + 2000)
    return {"d" + key: rng.normal(size=value.shape) for key, value in p.items()}


def pre_activations(shape: tuple[int, ...], seed: int, scale: float = 3.0) -> dict:
    """Z with values on both sides of 0, including a few far out in the tails."""
    rng = np.random.default_rng(seed + 3000)
    Z = rng.normal(size=shape) * scale
    Z.flat[0], Z.flat[-1] = 40.0, -40.0
    return {"Z": Z}


def probabilities(m: int, seed: int, labels_int: bool = False) -> dict:
    """Y_hat strictly inside (0, 1) and labels of both classes: inputs for the loss."""
    rng = np.random.default_rng(seed + 4000)
    Y_hat = rng.uniform(0.05, 0.95, size=(m, 1))
    Y = rng.random((m, 1)) < 0.5
    if m > 1:
        Y[0, 0], Y[-1, 0] = True, False
    return {"Y": Y.astype(int if labels_int else float), "Y_hat": Y_hat}


def state(p: dict, **more) -> dict:
    """The whole state seed 000's __init__ creates, for an instance made without __init__."""
    return {**{key: p[key] for key in PARAMETER_KEYS}, "gradients": {}, "cache": {}, **more}
