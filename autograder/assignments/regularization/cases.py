"""Inputs the graders build for regularization, in the row-major, list-of-layers convention:
weights[l] of shape (n_l, n_{l+1}), biases[l] of shape (1, n_{l+1}), one example per row.

Everything is trusted and seeded, so regrading gives the same scores. Random generators handed
to student functions are made here from fixed seeds; what they draw is graded by its
properties, never by the order of the draws.
"""
from __future__ import annotations

import numpy as np


def weight_list(shapes: list[tuple[int, int]], seed: int, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * scale for shape in shapes]


def layer_shapes(sizes: list[int]) -> list[tuple[int, int]]:
    return [(sizes[l], sizes[l + 1]) for l in range(len(sizes) - 1)]


def penalty_inputs(sizes: list[int], seed: int, lambdas: tuple[float, ...]) -> dict:
    return {"weights": weight_list(layer_shapes(sizes), seed), "lambdas": lambdas}


def gradient_inputs(sizes: list[int], seed: int, lambdas: tuple[float, ...]) -> dict:
    shapes = layer_shapes(sizes)
    return {"dW": weight_list(shapes, seed + 100, scale=0.3), "weights": weight_list(shapes, seed), "lambdas": lambdas}


def activations(shape: tuple[int, int], seed: int) -> dict:
    """Positive and negative activations, none zero, so that a dropped entry shows."""
    rng = np.random.default_rng(seed + 200)
    A = rng.normal(size=shape)
    A[A == 0] = 1.0
    return {"A": A}


def dropout_gradients(shape: tuple[int, int], seed: int, rate: float, as_bool: bool) -> dict:
    rng = np.random.default_rng(seed + 300)
    mask = rng.random(shape) < 1 - rate
    mask.flat[0], mask.flat[-1] = True, False  # both values present even in a tiny mask
    return {"dA": rng.normal(size=shape), "mask": mask if as_bool else mask.astype(float), "rate": rate}


def batch(m: int, n: int, seed: int, constant_column: bool = False) -> dict:
    """Pre-activations whose features have different means and spreads, and gamma, beta rows."""
    rng = np.random.default_rng(seed + 400)
    Z = rng.normal(size=(m, n)) * rng.uniform(0.5, 4.0, size=(1, n)) + rng.uniform(-3, 3, size=(1, n))
    if constant_column:
        Z[:, 0] = 2.5
    return {"Z": Z, "gamma": rng.uniform(0.5, 2.0, size=(1, n)), "beta": rng.normal(size=(1, n))}


def images(shape: tuple[int, ...], seed: int, low: float = 0.2, high: float = 0.8) -> dict:
    return {"images": np.random.default_rng(seed + 500).uniform(low, high, size=shape)}


def black_and_white(m: int) -> dict:
    """Half the pixels 0, half 1: noise pushes about half of each beyond the pixel range."""
    return {"images": np.tile(np.array([[[0.0, 1.0], [1.0, 0.0]]]), (m, 4, 4))}


def picture_batch(m: int, h: int, w: int, seed: int) -> dict:
    """Images whose every pixel differs, so that any misplaced pixel shows."""
    rng = np.random.default_rng(seed + 600)
    return {"images": rng.uniform(0.1, 1.0, size=(m, h, w))}


def classification(m: int, n_x: int, n_classes: int, seed: int) -> dict:
    """A small problem for one step of training: features in [0, 1), all classes present."""
    rng = np.random.default_rng(seed + 700)
    labels = np.arange(m) % n_classes
    rng.shuffle(labels)
    val_labels = rng.integers(0, n_classes, size=m // 2 + 3)
    return {"X_train": rng.random((m, n_x)), "Y_train": np.eye(n_classes)[labels],
            "X_val": rng.random((len(val_labels), n_x)), "Y_val": np.eye(n_classes)[val_labels]}
