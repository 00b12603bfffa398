"""The hint table: realistic mistakes, each with the wrong answer it produces and what to say.

When an answer is wrong, the grader computes (here, on the trusted side) what each known
mistake would have returned for the same inputs; the first that matches names the hint. So a
hint is a diagnosis, not a guess, and it never shows the student a number.
"""
from __future__ import annotations

import functools

import numpy as np

from autograder.grading import Hints, per_inputs


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


HINTS = Hints({
    # layer_sizes
    "m_as_n_x": "n_x is the number of rows of X (features); you used the number of columns (examples, m)",
    "n_h_not_2": "the hidden layer of this assignment has n_h = 2 units",
    "n_y_fixed": "n_y is the number of rows of Y; read it from Y.shape instead of fixing it",
    # initialize_parameters
    "weights_transposed": "W1 must have shape (n_h, n_x) and W2 shape (n_y, n_h): rows are units of the layer",
    "weights_unscaled": "the weights look like plain np.random.randn(...): multiply them by 0.01",
    "weights_zero": "the weights are all zero: every hidden unit would stay identical; use np.random.randn(...) * 0.01",
    "weights_uniform": "the weights are all positive: np.random.rand draws from [0, 1); use np.random.randn (a normal distribution)",
    "weights_constant": "all weights have the same value, so the hidden units cannot become different",
    "weights_scale": "the weights should be normal with mean 0 and standard deviation 0.01: np.random.randn(rows, columns) * 0.01",
    "biases_random": "the biases should start at zero: use np.zeros((n, 1))",
    "n_h_ignored": "use the n_h argument for the size of the hidden layer instead of a fixed number",
    # forward_propagation
    "tanh_hidden": "the hidden layer uses tanh; in this assignment both layers use the sigmoid",
    "missing_bias": "a bias is missing: Z1 = W1 X + b1 and Z2 = W2 A1 + b2",
    "linear_output": "the output A2 must be sigmoid(Z2), a probability; you returned Z2",
    "weights_transposed_forward": "a weight matrix is used transposed: Z1 = W1 X with W1 as it is, of shape (n_h, n_x), "
                                  "and Z2 = W2 A1 (no .T on either)",
    "cache_missing_A2": "the cache must hold all of Z1, A1, Z2 and A2: backward_propagation reads them",
    "cache_keys_swapped": "the cache stores a value under the wrong key (e.g. A1 under 'Z1'): check each key",
    # compute_cost
    "cost_no_mean": "the cost must be averaged over the m examples: divide the sum by m",
    "cost_sign": "the sign is flipped: the log loss is −(1/m) Σ [y log a + (1 − y) log(1 − a)], a positive number",
    "cost_one_term": "only the y·log(a) term is there; add (1 − y)·log(1 − a) for the examples labelled 0",
    "cost_mse": "this is the mean squared error; the assignment uses the log loss (cross-entropy)",
    # backward_propagation
    "grads_no_mean": "the gradients must be averaged over the examples: multiply by 1/m",
    "grads_no_keepdims": "db1 and db2 must keep their column shape (n, 1): use np.sum(..., axis=1, keepdims=True)",
    "tanh_derivative": "the hidden layer is a sigmoid, so its derivative is A1 (1 − A1), not 1 − A1²",
    "derivative_of_Z": "the sigmoid derivative is taken of the activation: A1 (1 − A1), not Z1 (1 − Z1)",
    "dZ2_sign": "dZ2 = A2 − Y; you have it the other way round (Y − A2), which climbs the cost",
    "dZ2_extra_sigmoid": "with the log loss, dZ2 is simply A2 − Y: the sigmoid's derivative A2 (1 − A2) cancels out",
    # update_parameters
    "update_plus": "gradient descent subtracts: W = W − α dW (you added the gradient)",
    "learning_rate_ignored": "use the learning_rate argument: your update takes the same step whatever it is",
    "learning_rate_default": "the default learning rate must be 1.2 (learning_rate=1.2 in the signature)",
    "weights_only": "update the biases too: b1 and b2 have gradients db1 and db2",
    # nn_model
    "not_training": "the parameters barely change: is the update applied, and are the updated parameters kept for the next iteration?",
    "nn_n_h_ignored": "nn_model must build a hidden layer of n_h units, the n_h argument",
    "nn_not_initialised": "nn_model must start from initialize_parameters(n_x, n_h, n_y): the weights it returns are all equal (zero?), as if none were drawn",
    "nn_learning_rate_ignored": "nn_model must pass its learning_rate on to update_parameters",
    # predict
    "threshold_zero": "predict must compare the probability A2 with 0.5 (A2 > 0.5), not with 0",
    "probabilities": "predict must return 0/1 labels (or booleans), not the probabilities A2",
})


# Wrong answers, computed on the trusted side for the same inputs as the student's call.

def forward(X, p, hidden=sigmoid, output=sigmoid, biases=("b1", "b2")):
    Z1 = p["W1"] @ X + (p["b1"] if "b1" in biases else 0)
    A1 = hidden(Z1)
    Z2 = p["W2"] @ A1 + (p["b2"] if "b2" in biases else 0)
    A2 = output(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def transposed(p, key):
    return {**p, key: p[key].T}


def raising_forwards(X, p) -> dict:
    """Mistakes that make the forward pass raise on these inputs (a transposed weight that no
    longer fits), as computations the grader runs when the student's code raised."""
    return {f"weights_transposed_forward@{key}": functools.partial(forward, X, transposed(p, key))
            for key in ("W1", "W2")}


@per_inputs
def wrong_forwards(X, p) -> dict:
    wrong = {
        "tanh_hidden": forward(X, p, hidden=np.tanh)[0],
        "missing_bias@both": forward(X, p, biases=())[0],
        "missing_bias@b1": forward(X, p, biases=("b2",))[0],
        "missing_bias@b2": forward(X, p, biases=("b1",))[0],
        "linear_output": forward(X, p, output=lambda z: z)[0],
    }
    for key, compute in raising_forwards(X, p).items():   # a square weight transposed still fits
        try:
            wrong[key] = compute()[0]
        except ValueError:
            pass
    return wrong


@per_inputs
def wrong_costs(A2, Y) -> dict:
    m = Y.shape[1]
    log_loss = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    return {
        "cost_no_mean": log_loss,
        "cost_sign": -log_loss / m,
        "cost_one_term": -np.sum(Y * np.log(A2)) / m,
        "cost_mse": np.mean((A2 - Y) ** 2),
        "cost_mse_half": np.mean((A2 - Y) ** 2) / 2,
    }


def backward(p, cache, X, Y, mean=True, keepdims=True, hidden_derivative=None, dZ2=None):
    m = X.shape[1] if mean else 1
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y if dZ2 is None else dZ2
    dZ1 = (p["W2"].T @ dZ2) * (A1 * (1 - A1) if hidden_derivative is None else hidden_derivative)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=keepdims) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=keepdims) / m}


@per_inputs
def wrong_backwards(p, cache, X, Y) -> dict:
    A1, Z1, A2 = cache["A1"], cache["Z1"], cache["A2"]
    return {
        "grads_no_mean": backward(p, cache, X, Y, mean=False),
        "grads_no_keepdims": backward(p, cache, X, Y, keepdims=False),
        "tanh_derivative": backward(p, cache, X, Y, hidden_derivative=1 - A1 ** 2),
        "derivative_of_Z": backward(p, cache, X, Y, hidden_derivative=Z1 * (1 - Z1)),
        "dZ2_sign": backward(p, cache, X, Y, dZ2=Y - A2),
        "dZ2_extra_sigmoid": backward(p, cache, X, Y, dZ2=(A2 - Y) * A2 * (1 - A2)),
    }


def update(p, g, learning_rate, sign=-1.0, keys=("W1", "b1", "W2", "b2")):
    return {k: v + sign * learning_rate * g["d" + k] if k in keys else v for k, v in p.items()}


@per_inputs
def wrong_updates(p, g, learning_rate, default_used: bool) -> dict:
    wrong = {
        "update_plus": update(p, g, learning_rate, sign=+1.0),
        "weights_only": update(p, g, learning_rate, keys=("W1", "W2")),
    }
    if default_used:
        for rate in (0.01, 0.1, 0.5, 1.0, 0.001, 0.05):
            wrong[f"learning_rate_default@{rate}"] = update(p, g, rate)
    else:
        wrong["learning_rate_ignored"] = update(p, g, 1.2)
    return wrong
