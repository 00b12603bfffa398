"""Inputs the graders build: the worked example, seeded random shapes (m = 1 included), data.

Everything here is trusted and deterministic: the same seed gives the same case on every run,
so re-grading gives the same scores. Parameters are drawn at scale 1 so that sigmoids are
really nonlinear and a wrong activation cannot hide in the flat middle of the curve.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Case

#: Seed 004's worked example: one example, two inputs, two hidden units, one output.
WORKED_X = np.array([[1.0], [0.0]])
WORKED_Y = np.array([[1.0]])
WORKED_PARAMETERS = {
    "W1": np.array([[0.1, 0.2], [0.3, 0.4]]),
    "b1": np.array([[0.1], [0.1]]),
    "W2": np.array([[0.2, 0.3]]),
    "b2": np.array([[0.1]]),
}


def parameters(n_x: int, n_h: int, n_y: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(n_h, n_x)), "b1": rng.normal(size=(n_h, 1)),
            "W2": rng.normal(size=(n_y, n_h)), "b2": rng.normal(size=(n_y, 1))}


def problem(n_x: int, n_h: int, m: int, seed: int) -> dict:
    """X, Y (labels 0/1, both present when m > 1) and parameters of the given sizes."""
    rng = np.random.default_rng(seed + 1000)
    X = rng.normal(size=(n_x, m))
    Y = (np.arange(m) % 2 == 0).astype(float)[rng.permutation(m)].reshape(1, m)
    return {"X": X, "Y": Y, "parameters": parameters(n_x, n_h, 1, seed)}


def worked() -> dict:
    return {"X": WORKED_X, "Y": WORKED_Y, "parameters": WORKED_PARAMETERS}


def gradients(parameters: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed + 2000)
    return {"d" + key: rng.normal(size=value.shape) for key, value in parameters.items()}


def activations(m: int, seed: int, labels_int: bool = False) -> dict:
    """A2 strictly inside (0, 1) and labels with both classes: inputs for the cost."""
    rng = np.random.default_rng(seed + 3000)
    A2 = rng.uniform(0.05, 0.95, size=(1, m))
    Y = (rng.random((1, m)) < 0.5)
    Y[0, 0] = not Y[0, -1] if m > 1 else Y[0, 0]
    return {"A2": A2, "Y": Y.astype(int if labels_int else float)}


def random_cases(sizes: list[tuple[int, int, int]], builder=problem, first_seed: int = 1) -> list[Case]:
    """One case per (n_x, n_h, m): the shapes are in the description, the numbers are not."""
    return [Case(f"random_{n_x}x{m}_h{n_h}", f"random inputs with n_x = {n_x}, n_h = {n_h}, m = {m}",
                 lambda n_x=n_x, n_h=n_h, m=m, seed=seed: builder(n_x, n_h, m, seed))
            for seed, (n_x, n_h, m) in enumerate(sizes, start=first_seed)]


WORKED_CASE = Case("worked_example", "the worked example of the notebook (m = 1)", worked)
