"""The hint table of network_class: realistic mistakes, the wrong answer each produces for the
grader's own inputs (computed here, on the trusted side), and what to tell the student.

A hint is a diagnosis: the student's answer matched what that mistake gives. No hint shows a
number from a hidden case.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Hints, per_inputs

HINTS = Hints({
    # __init__
    "weights_column_major": "W1 must have shape (input_size, hidden_size) and W2 (hidden_size, output_size): "
                            "in rows-are-examples code, Z = X W, so W has one row per input",
    "biases_column": "b1 and b2 are rows here, of shape (1, hidden_size) and (1, output_size): "
                     "they are added to every row of X W",
    "biases_random": "the biases should start at zero: np.zeros((1, n))",
    "weights_zero": "the weights are all zero: every hidden unit would stay identical; use np.random.randn(...) * 0.01",
    "weights_constant": "all weights have the same value, so the hidden units cannot become different",
    "weights_uniform": "the weights are all positive: np.random.rand draws from [0, 1); use np.random.randn",
    "weights_unscaled": "the weights look like plain np.random.randn(...): multiply them by 0.01",
    "weights_scale": "the weights should be normal with mean 0 and standard deviation 0.01: np.random.randn(rows, columns) * 0.01",
    "parameters_not_kept": "self.parameters must be a dict holding W1, b1, W2 and b2 (the same arrays as the attributes)",
    "state_not_empty": "start with self.gradients = {} and self.cache = {}: they are filled by backward and forward",
    # sigmoid, sigmoid_derivative
    "sigmoid_sign": "the sigmoid is 1 / (1 + exp(-Z)): your exponent has the wrong sign",
    "sigmoid_tanh": "this is tanh; the network uses the logistic sigmoid 1 / (1 + exp(-Z))",
    "sigmoid_exp": "1 / exp(-Z) is exp(Z): the sigmoid divides 1 by 1 + exp(-Z)",
    "derivative_of_activation": "sigmoid_derivative takes the pre-activation Z: compute s = sigmoid(Z), then s (1 − s); "
                                "Z (1 − Z) treats Z as if it were already the activation",
    "derivative_missing_factor": "the derivative is s (1 − s) with s = sigmoid(Z); you returned only one factor",
    "derivative_tanh": "1 − s² is the derivative of tanh; the sigmoid's derivative is s (1 − s)",
    # forward_propagation
    "forward_column_major": "rows are examples here: Z1 = X @ W1 + b1 and Z2 = A1 @ W2 + b2 (not W1 @ X)",
    "missing_bias": "a bias is missing: Z1 = X W1 + b1 and Z2 = A1 W2 + b2",
    "linear_output": "the output A2 must be sigmoid(Z2), a probability; you returned Z2",
    "tanh_hidden": "the hidden layer uses tanh; this network uses the sigmoid in both layers",
    "cache_not_stored": "forward_propagation must store self.cache = {'Z1', 'A1', 'Z2', 'A2', 'X'}: "
                        "backward_propagation reads it",
    "cache_missing_X": "the cache must also keep the input, cache['X'] = X: dW1 = Xᵀ dZ1 / m needs it",
    "cache_keys_swapped": "the cache stores a value under the wrong key (e.g. A1 under 'Z1'): check each key",
    # compute_loss
    "loss_no_mean": "the loss must be averaged over the m = Y.shape[0] examples: divide the sum by m",
    "loss_sign": "the sign is flipped: the loss is −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)], a positive number",
    "loss_one_term": "only the y log ŷ term is there; add (1 − y) log(1 − ŷ) for the examples labelled 0",
    "loss_mse": "this is the mean squared error; the network is trained with the binary cross-entropy",
    "loss_not_finite": "the loss is nan or infinite: are the arguments in the order compute_loss(Y, Y_hat), "
                       "labels first, and is Y_hat clipped to [1e-12, 1 − 1e-12] before the logarithms?",
    "loss_not_clipped": "for predictions of exactly 0 or 1 the loss should be about 0 when right and large but "
                        "finite when wrong: clip Y_hat to [1e-12, 1 − 1e-12] before the logarithms",
    # backward_propagation
    "grads_column_major": "rows are examples here: dW2 = A1ᵀ dZ2 / m and dW1 = Xᵀ dZ1 / m (gradients shaped like W)",
    "grads_no_mean": "the gradients must be averaged over the examples: multiply by 1/m with m = Y.shape[0]",
    "grads_no_keepdims": "db1 and db2 must be rows of shape (1, n): np.sum(dZ, axis=0, keepdims=True)",
    "grads_bias_axis": "the bias gradient sums over the examples, which are rows here: axis=0, not axis=1",
    "backward_derivative_of_A": "dZ1 needs the sigmoid's derivative at Z1: sigmoid_derivative(Z1), or A1 (1 − A1); "
                                "sigmoid_derivative(A1) applies the sigmoid twice",
    "dZ2_sign": "dZ2 = A2 − Y; you have it the other way round (Y − A2), which climbs the loss",
    "dZ2_extra_sigmoid": "with the cross-entropy loss, dZ2 is simply A2 − Y: the sigmoid's derivative cancels out",
    "gradients_not_stored": "backward_propagation must store self.gradients = {'dW1', 'db1', 'dW2', 'db2'}",
    # update_parameters
    "update_plus": "gradient descent subtracts: W = W − α dW (you added the gradient)",
    "learning_rate_ignored": "use the learning_rate argument: your update takes the same step whatever it is",
    "weights_only": "update the biases too: b1 and b2 have gradients db1 and db2",
    "parameters_stale": "after the update self.parameters still holds the old arrays: rebinding self.W1 = … "
                        "makes a new array, so rebuild self.parameters (or update in place with -=)",
    "attributes_stale": "self.W1, self.b1, self.W2, self.b2 did not change: forward_propagation uses them, "
                        "so update the attributes (in place with -=, or rebind them and rebuild self.parameters)",
    # train
    "train_not_updating": "the loss never changes: each epoch must run forward, loss, backward and update_parameters",
    "train_length": "train must return one loss per epoch: a list of length epochs",
    "train_loss_after_update": "losses[i] must be the loss of epoch i's forward pass, computed before that epoch's update",
    "train_learning_rate_ignored": "train must pass its learning_rate on to update_parameters",
    # predict
    "probabilities": "predict must return 0/1 labels (or booleans), not the probabilities A2",
    "threshold_zero": "predict must compare the probability with 0.5 (A2 > 0.5), not with 0",
    "predict_flat": "predict must keep the column shape (m, 1), one row per example: don't flatten it",
    "predict_transposed": "predict must return shape (m, 1), one row per example, not (1, m)",
})


def sigmoid(Z):
    return np.exp(-np.logaddexp(0.0, -Z))


def forward(X, p, hidden=sigmoid, output=sigmoid, biases=("b1", "b2")) -> dict:
    Z1 = X @ p["W1"] + (p["b1"] if "b1" in biases else 0)
    A1 = hidden(Z1)
    Z2 = A1 @ p["W2"] + (p["b2"] if "b2" in biases else 0)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": output(Z2), "X": X}


@per_inputs
def wrong_sigmoids(Z) -> dict:
    with np.errstate(over="ignore"):
        return {"sigmoid_sign": sigmoid(-Z), "sigmoid_tanh": np.tanh(Z), "sigmoid_exp": np.exp(Z)}


@per_inputs
def wrong_derivatives(Z) -> dict:
    s = sigmoid(Z)
    return {"derivative_of_activation": Z * (1 - Z), "derivative_missing_factor@s": s,
            "derivative_missing_factor@1-s": 1 - s, "derivative_tanh": 1 - s ** 2}


@per_inputs
def wrong_forwards(X, p) -> dict:
    return {
        "tanh_hidden": forward(X, p, hidden=np.tanh)["A2"],
        "missing_bias@both": forward(X, p, biases=())["A2"],
        "missing_bias@b1": forward(X, p, biases=("b2",))["A2"],
        "missing_bias@b2": forward(X, p, biases=("b1",))["A2"],
        "linear_output": forward(X, p, output=lambda z: z)["A2"],
    }


@per_inputs
def wrong_losses(Y, Y_hat) -> dict:
    m, P = Y.shape[0], np.clip(Y_hat, 1e-12, 1 - 1e-12)  # clipped as the reference does
    total = -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    return {"loss_no_mean": total, "loss_sign": -total / m, "loss_one_term": -np.sum(Y * np.log(P)) / m,
            "loss_mse": np.mean((Y_hat - Y) ** 2), "loss_mse@half": np.mean((Y_hat - Y) ** 2) / 2}


def backward(p, cache, Y, mean=True, keepdims=True, derivative=None, dZ2=None, bias_axis=0) -> dict:
    m = Y.shape[0] if mean else 1
    A1, A2, X = cache["A1"], cache["A2"], cache["X"]
    dZ2 = A2 - Y if dZ2 is None else dZ2
    dZ1 = (dZ2 @ p["W2"].T) * (A1 * (1 - A1) if derivative is None else derivative)

    def bias(dZ):
        return np.sum(dZ, axis=bias_axis, keepdims=keepdims) / m
    return {"dW1": X.T @ dZ1 / m, "db1": bias(dZ1), "dW2": A1.T @ dZ2 / m, "db2": bias(dZ2)}


@per_inputs
def wrong_backwards(p, cache, Y) -> dict:
    A1, A2 = cache["A1"], cache["A2"]
    right = backward(p, cache, Y)
    return {
        "grads_no_mean": backward(p, cache, Y, mean=False),
        "grads_no_keepdims": backward(p, cache, Y, keepdims=False),
        "grads_bias_axis": backward(p, cache, Y, bias_axis=1),
        "grads_column_major": {**right, "dW1": right["dW1"].T, "dW2": right["dW2"].T},
        "backward_derivative_of_A": backward(p, cache, Y, derivative=sigmoid(A1) * (1 - sigmoid(A1))),
        "dZ2_sign": backward(p, cache, Y, dZ2=Y - A2),
        "dZ2_extra_sigmoid": backward(p, cache, Y, dZ2=(A2 - Y) * A2 * (1 - A2)),
    }


def update(p, g, learning_rate, sign=-1.0, keys=("W1", "b1", "W2", "b2")) -> dict:
    return {k: v + sign * learning_rate * g["d" + k] if k in keys else v for k, v in p.items()}


@per_inputs
def wrong_updates(p, g, learning_rate) -> dict:
    wrong = {"update_plus": update(p, g, learning_rate, sign=1.0),
             "weights_only": update(p, g, learning_rate, keys=("W1", "W2"))}
    for rate in (0.5, 0.1, 0.01, 1.0, 1.2):
        if rate != learning_rate:
            wrong[f"learning_rate_ignored@{rate}"] = update(p, g, rate)
    return wrong
