"""The hint table of building_blocks: realistic mistakes, the wrong answer each gives for the
grader's own inputs (computed here, on the trusted side), and what to tell the student.

A hint is a diagnosis: the student's answer matched what that mistake gives (wrong answers that
overflow are matched by where their nan and inf sit). No hint shows a number from a hidden case.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Hints, per_inputs

HINTS = Hints({
    # every exercise whose inputs must stay as they were
    "mutates_input": "your function changed one of its arguments in place (for example Z[Z < 0] = 0, or "
                     "np.clip(..., out=Y_hat)): the caller's array changes too; build a new array instead",
    # relu, relu_derivative
    "relu_min": "that is min(0, Z), the negative part; ReLU keeps the positive part: np.maximum(0, Z)",
    "relu_abs": "that is |Z|; ReLU replaces negative inputs by 0: np.maximum(0, Z)",
    "relu_leaky": "that is a leaky ReLU (a small slope for negative inputs); this ReLU gives exactly 0 for z <= 0",
    "relu_derivative_at_zero": "at exactly z = 0 the slope is taken as 0 here: use Z > 0, not Z >= 0",
    "relu_derivative_is_relu": "that is relu(Z) itself; its slope is 1.0 where Z > 0 and 0.0 elsewhere",
    "relu_derivative_sign": "np.sign(Z) is -1 for negative inputs; the slope of ReLU there is 0",
    # sigmoid, sigmoid_derivative
    "sigmoid_overflow": "your sigmoid is right but overflows for large |Z| (NumPy warns 'overflow encountered in exp'): "
                        "compute it from t = exp(-|Z|), which cannot overflow, as 1 / (1 + t) where Z >= 0 and "
                        "t / (1 + t) where Z < 0; np.where evaluates both of its branches everywhere",
    "sigmoid_nan": "your sigmoid gives nan for large Z: exp(Z) / (1 + exp(Z)) becomes inf / inf; build it on exp(-|Z|)",
    "sigmoid_sign": "the sigmoid is 1 / (1 + exp(-Z)): your exponent has the wrong sign",
    "sigmoid_tanh": "this is tanh; the sigmoid is 1 / (1 + exp(-Z)), between 0 and 1",
    "sigmoid_derivative_of_activation": "sigmoid_derivative takes the pre-activation Z: compute s = sigmoid(Z), then "
                                        "s (1 - s); Z (1 - Z) treats Z as if it were the activation",
    "sigmoid_derivative_missing_factor": "the derivative is s (1 - s) with s = sigmoid(Z); you returned one factor",
    "sigmoid_derivative_tanh": "1 - s**2 is the form of tanh's derivative; the sigmoid's is s (1 - s)",
    "sigmoid_derivative_not_finite": "for large |Z| your derivative gives nan: exp(-Z) / (1 + exp(-Z))**2 becomes "
                                     "inf / inf; compute s (1 - s) from a stable sigmoid",
    # tanh, tanh_derivative
    "tanh_overflow": "your tanh gives nan for large |Z|: (exp(Z) - exp(-Z)) / (exp(Z) + exp(-Z)) becomes inf / inf; "
                     "use np.tanh, or build it on exp(-2|Z|)",
    "tanh_is_sigmoid": "that is the sigmoid; tanh(z) = 2 sigmoid(2z) - 1 ranges over (-1, 1)",
    "tanh_half": "2 sigmoid(Z) - 1 is tanh(Z / 2); tanh(Z) = 2 sigmoid(2Z) - 1",
    "tanh_derivative_of_activation": "you computed 1 - Z**2: the slope at Z is 1 - tanh(Z)**2 (the form 1 - A**2 "
                                     "needs the activation A = tanh(Z))",
    "tanh_derivative_no_square": "square the tanh: the slope is 1 - tanh(Z)**2",
    "tanh_derivative_sigmoid_form": "tanh(Z) (1 - tanh(Z)) is the sigmoid's pattern; the slope of tanh is 1 - tanh(Z)**2",
    # softmax
    "softmax_whole_array": "your softmax normalises the whole array at once, as the seed's does: for a batch, take "
                           "the maximum and the sum of each ROW (axis=1, keepdims=True)",
    "softmax_axis0": "your softmax normalises each column (axis 0); the classes are the columns, so normalise each "
                     "row: axis=1, keepdims=True",
    "softmax_no_shift": "your softmax gives nan for large scores: subtract each row's maximum before np.exp (the "
                        "probabilities do not change, but nothing overflows)",
    "softmax_global_max": "your softmax gives nan for a row far below the largest score of the batch: subtract each "
                          "row's OWN maximum, np.max(Z, axis=1, keepdims=True), not np.max(Z)",
    "softmax_not_normalised": "divide by the sum of each row: softmax is exp(Z - max) divided by its row's sum",
    # losses
    "mse_no_mean": "the loss must be a mean: divide the sum of squares by the number of entries (np.mean)",
    "mse_per_example": "you divided by the number of examples only; the mean squared error averages over every "
                       "entry, m times C (np.mean)",
    "mse_half": "no factor 1/2 here: the mean squared error is np.mean((Y - Y_hat) ** 2)",
    "mse_root": "that is the root of the mean squared error; return the mean of the squares itself",
    "loss_epsilon_ignored": "clip with the epsilon argument you are given, np.clip(Y_hat, epsilon, 1 - epsilon), "
                            "not with a fixed number",
    "bce_no_clip": "for predictions of exactly 0 or 1 the loss is nan or inf: clip Y_hat to [epsilon, 1 - epsilon] "
                   "before the logarithms",
    "bce_sign": "the sign is flipped: the loss is -mean(y log y_hat + (1 - y) log(1 - y_hat)), a positive number",
    "bce_no_mean": "the loss must be averaged over the entries: np.mean, not np.sum",
    "bce_one_term": "only the y log y_hat term is there; add (1 - y) log(1 - y_hat) for the labels 0",
    "cce_no_mean": "divide the sum by the number of examples, m = Y.shape[0]",
    "cce_mean_over_classes": "you averaged over all m times C entries (np.mean); sum over the classes and divide by "
                             "m = Y.shape[0] only",
    "cce_no_clip": "for a predicted probability of exactly 0 the loss is nan or inf: clip Y_hat to "
                   "[epsilon, 1 - epsilon] before the logarithm",
    "cce_sign": "the sign is flipped: the loss is -(1/m) sum(y log y_hat), a positive number",
    "cce_binary_formula": "this adds (1 - y) log(1 - y_hat) as the binary cross-entropy does; with one-hot labels "
                          "and a softmax only -sum(y log y_hat) over the classes counts",
    # two_layer_forward
    "forward_hidden_activation": "the hidden layer uses ReLU here: A1 = relu(Z1)",
    "forward_linear_hidden": "the hidden activations are A1 = relu(Z1); without the ReLU the two layers collapse into "
                             "one linear map",
    "forward_linear_output": "the output must be probabilities: A2 = softmax(Z2), not Z2",
    "forward_sigmoid_output": "the output layer is a softmax over the classes (each row sums to 1), not a sigmoid "
                              "per class",
    "forward_missing_bias": "a bias is missing: Z1 = X W1 + b1 and Z2 = A1 W2 + b2",
    "cache_incomplete": "the cache must hold Z1, A1, Z2 and A2: two_layer_backward reads them",
    "cache_keys_swapped": "the cache stores a value under the wrong key (e.g. Z1 under 'A1'): check each key",
    # two_layer_backward
    "dZ2_sign": "dZ2 = A2 - Y (prediction minus label); you have Y - A2, which climbs the loss",
    "dZ2_extra_derivative": "with softmax and cross-entropy dZ2 is simply A2 - Y: no extra factor A2 (1 - A2)",
    "backward_no_relu_derivative": "dZ1 must be zero where a hidden unit was off (Z1 <= 0): multiply dZ2 W2.T by "
                                   "relu_derivative(Z1)",
    "grads_no_mean": "the gradients must be averaged over the examples: divide by m = X.shape[0]",
    "grads_no_keepdims": "db1 and db2 must be rows of shape (1, n): np.sum(dZ, axis=0, keepdims=True)",
    "dW2_uses_Z1": "dW2 = A1.T dZ2 / m uses the activations A1, not the pre-activations Z1",
    # count_parameters
    "count_without_biases": "count the biases too: every layer after the input has one bias per unit",
    "count_input_biases": "the input layer has no biases: count n_l biases for the hidden and output layers only",
    "count_two_layers_only": "count every layer: each pair of neighbouring sizes in layer_sizes is one layer, however "
                             "many there are",
    # the optimizers
    "update_plus": "the step goes downhill: p - learning_rate * (its step), with a minus",
    "learning_rate_ignored": "use the learning_rate argument: your step is the same whatever it is",
    "learning_rate_default": "the default learning rate is not the one in the signature given in the notebook",
    "weights_only": "update every parameter, the biases too: loop over the keys of params",
    "optimizer_fixed_keys": "loop over the keys of params (for key in params) with grads['d' + key]: this network "
                            "has more parameters than W1, b1, W2, b2",
    "beta_ignored": "use the beta argument(s) you are given, not fixed numbers",
    "momentum_seed002_form": "this is the other momentum rule, v <- beta v - learning_rate g with p <- p + v (seed 002, "
                             "Keras); here v <- beta v + g and p <- p - learning_rate v, and the velocity you return "
                             "is that v",
    "momentum_ema": "v <- beta v + g here, without a (1 - beta) in front of g",
    "momentum_velocity_not_returned": "return the new velocity, beta v + g, not the one you were given: the next step "
                                      "needs it",
    "momentum_step_uses_gradient": "step along the new velocity, p - learning_rate v, not along the gradient",
    "rmsprop_no_sqrt": "divide by the square root of the mean square: g / (sqrt(s) + epsilon)",
    "rmsprop_epsilon_inside": "epsilon goes outside the square root: g / (sqrt(s) + epsilon)",
    "rmsprop_sum": "s is a running average, beta s + (1 - beta) g**2, not a running sum s + g**2",
    "rmsprop_no_one_minus_beta": "keep the (1 - beta) in front of g**2: s <- beta s + (1 - beta) g**2",
    "adam_no_bias_correction": "correct the moments before the step: m_hat = m / (1 - beta1**t) and "
                               "v_hat = v / (1 - beta2**t)",
    "adam_t_from_zero": "t counts from 1: the corrections use beta1**t and beta2**t with the t you are given, "
                        "not t + 1",
    "adam_returns_corrected": "return the raw moments m and v, not the corrected m_hat and v_hat: the correction is "
                              "recomputed from the raw ones at every step",
    "adam_v_not_squared": "the second moment averages the SQUARED gradients: v <- beta2 v + (1 - beta2) g**2",
    "adam_epsilon_inside": "epsilon goes outside the square root: m_hat / (sqrt(v_hat) + epsilon)",
    "adam_betas_swapped": "beta1 goes with the gradients in m, beta2 with the squared gradients in v",
    # train
    "weights_zero": "the starting weights are all zero: every hidden unit would stay identical; draw them from "
                    "np.random.default_rng(seed)",
    "weights_constant": "all starting weights have the same value, so the hidden units cannot become different",
    "weights_uniform": "the starting weights are all positive: draw them from a normal distribution with mean 0",
    "weights_unscaled": "the starting weights look like plain standard normal draws: multiply W1 by sqrt(2 / n_x) "
                        "and W2 by sqrt(2 / n_h) (He initialisation)",
    "weights_scale": "the starting weights should be He-initialised, normal with standard deviation sqrt(2 / n_in): "
                     "sqrt(2 / n_x) for W1 and sqrt(2 / n_h) for W2",
    "train_biases_random": "the biases start at zero: np.zeros((1, n_h)) and np.zeros((1, C))",
    "train_n_h_ignored": "use the n_h argument for the number of hidden units",
    "train_seed_ignored": "different seeds gave the same starting weights: draw them from np.random.default_rng(seed)",
    "train_not_reproducible": "the same seed gave different starting weights: draw them from "
                              "np.random.default_rng(seed), not from an unseeded generator",
    "train_length": "train must return (params, losses) with one loss per epoch",
    "train_learning_rate_ignored": "train must pass its learning_rate on to the optimizer",
    "train_optimizer_ignored": "train must use the optimizer it is asked for: this run took another optimizer's steps",
    "train_loss_after_update": "losses[i] must be the loss of epoch i's forward pass, measured before that epoch's update",
    "train_state_reset": "create the optimizer's state (velocity, cache, m and v) once, before the loop, and carry it "
                         "from one epoch to the next",
    "train_adam_t_fixed": "Adam's step number t grows with the epochs: 1 in the first epoch, 2 in the second, ...",
    "train_adam_t_from_zero": "Adam's step number t starts at 1: with t = 0 the bias correction divides by "
                              "1 - beta**0 = 0",
    "train_not_learning": "after training with the defaults the test accuracy is too low: check that every epoch runs "
                          "the forward pass, the backward pass and one optimizer step, in that order",
})


# ----------------------------------------------------------------------------- activations

def sigmoid(Z):
    return np.exp(-np.logaddexp(0.0, -Z))


@per_inputs
def wrong_relus(Z) -> dict:
    return {"relu_min": np.minimum(0.0, Z), "relu_abs": np.abs(Z),
            "relu_leaky@0.01": np.where(Z > 0, Z, 0.01 * Z), "relu_leaky@0.1": np.where(Z > 0, Z, 0.1 * Z)}


@per_inputs
def wrong_relu_derivatives(Z) -> dict:
    return {"relu_derivative_at_zero": (Z >= 0).astype(float), "relu_derivative_is_relu": np.maximum(0.0, Z),
            "relu_derivative_sign": np.sign(Z)}


@per_inputs
def wrong_sigmoids(Z) -> dict:
    with np.errstate(all="ignore"):
        return {"sigmoid_nan": np.exp(Z) / (1 + np.exp(Z)), "sigmoid_sign": sigmoid(-Z), "sigmoid_tanh": np.tanh(Z)}


@per_inputs
def wrong_sigmoid_derivatives(Z) -> dict:
    s = sigmoid(Z)
    with np.errstate(all="ignore"):
        quotient = np.exp(-Z) / (1 + np.exp(-Z)) ** 2
    return {"sigmoid_derivative_of_activation": Z * (1 - Z), "sigmoid_derivative_missing_factor@s": s,
            "sigmoid_derivative_missing_factor@1-s": 1 - s, "sigmoid_derivative_tanh": 1 - s ** 2,
            "sigmoid_derivative_not_finite": quotient}


@per_inputs
def wrong_tanhs(Z) -> dict:
    with np.errstate(all="ignore"):
        written_out = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    return {"tanh_overflow": written_out, "tanh_is_sigmoid": sigmoid(Z), "tanh_half": 2 * sigmoid(Z) - 1}


@per_inputs
def wrong_tanh_derivatives(Z) -> dict:
    T = np.tanh(Z)
    return {"tanh_derivative_of_activation": 1 - Z ** 2, "tanh_derivative_no_square": 1 - T,
            "tanh_derivative_sigmoid_form": T * (1 - T)}


@per_inputs
def wrong_softmaxes(Z) -> dict:
    with np.errstate(all="ignore"):
        whole = np.exp(Z - np.max(Z))
        columns = np.exp(Z - np.max(Z, axis=0, keepdims=True))
        unshifted = np.exp(Z)
        rows = np.exp(Z - np.max(Z, axis=1, keepdims=True))
        return {"softmax_whole_array": whole / whole.sum(),
                "softmax_axis0": columns / columns.sum(axis=0, keepdims=True),
                "softmax_no_shift": unshifted / unshifted.sum(axis=1, keepdims=True),
                "softmax_global_max": whole / whole.sum(axis=1, keepdims=True),
                "softmax_not_normalised": rows}


# ----------------------------------------------------------------------------- losses

@per_inputs
def wrong_mse(Y, Y_hat) -> dict:
    squares = (Y - Y_hat) ** 2
    return {"mse_no_mean": np.sum(squares), "mse_per_example": np.sum(squares) / Y.shape[0],
            "mse_half": np.mean(squares) / 2, "mse_root": np.sqrt(np.mean(squares))}


FIXED_CLIPS = (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)


def _binary_terms(Y, Y_hat, epsilon):
    P = np.clip(Y_hat, epsilon, 1 - epsilon) if epsilon else Y_hat
    return Y * np.log(P) + (1 - Y) * np.log(1 - P)


@per_inputs
def wrong_bce(Y, Y_hat, epsilon: float) -> dict:
    with np.errstate(all="ignore"):
        right = _binary_terms(Y, Y_hat, epsilon)
        wrong = {"bce_no_clip": -np.mean(_binary_terms(Y, Y_hat, 0.0)), "bce_sign": np.mean(right),
                 "bce_no_mean": -np.sum(right), "bce_one_term": -np.mean(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon)))}
    for clip in FIXED_CLIPS:
        if clip != epsilon:
            wrong[f"loss_epsilon_ignored@{clip}"] = -np.mean(_binary_terms(Y, Y_hat, clip))
    return wrong


@per_inputs
def wrong_cce(Y, Y_hat, epsilon: float) -> dict:
    m = Y.shape[0]
    P = np.clip(Y_hat, epsilon, 1 - epsilon)
    with np.errstate(all="ignore"):
        total = -np.sum(Y * np.log(P))
        wrong = {"cce_no_mean": total, "cce_mean_over_classes": total / Y.size, "cce_sign": -total / m,
                 "cce_no_clip": -np.sum(Y * np.log(Y_hat)) / m,
                 "cce_binary_formula": -np.sum(_binary_terms(Y, Y_hat, epsilon)) / m}
    for clip in FIXED_CLIPS:
        if clip != epsilon:
            wrong[f"loss_epsilon_ignored@{clip}"] = -np.sum(Y * np.log(np.clip(Y_hat, clip, 1 - clip))) / m
    return wrong


# ----------------------------------------------------------------------------- the network

def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def forward(X, p, hidden=lambda Z: np.maximum(0.0, Z), output=softmax, biases=("b1", "b2")) -> dict:
    Z1 = X @ p["W1"] + (p["b1"] if "b1" in biases else 0)
    A1 = hidden(Z1)
    Z2 = A1 @ p["W2"] + (p["b2"] if "b2" in biases else 0)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": output(Z2)}


@per_inputs
def wrong_forwards(X, p) -> dict:
    """The whole cache (Z1, A1, Z2, A2) each mistake gives: a saturated softmax can hide a
    mistake in A2 that its Z2 still shows."""
    return {
        "forward_hidden_activation@sigmoid": forward(X, p, hidden=sigmoid),
        "forward_hidden_activation@tanh": forward(X, p, hidden=np.tanh),
        "forward_linear_hidden": forward(X, p, hidden=lambda Z: Z),
        "forward_linear_output": forward(X, p, output=lambda Z: Z),
        "forward_sigmoid_output": forward(X, p, output=sigmoid),
        "forward_missing_bias@both": forward(X, p, biases=()),
        "forward_missing_bias@b1": forward(X, p, biases=("b2",)),
        "forward_missing_bias@b2": forward(X, p, biases=("b1",)),
    }


def backward(X, Y, p, cache, dZ2=None, hidden_slope=None, mean=True, keepdims=True, A1_for_dW2=None) -> dict:
    m = X.shape[0] if mean else 1
    dZ2 = cache["A2"] - Y if dZ2 is None else dZ2
    slope = (cache["Z1"] > 0) if hidden_slope is None else hidden_slope
    dZ1 = (dZ2 @ p["W2"].T) * slope
    A1 = cache["A1"] if A1_for_dW2 is None else A1_for_dW2
    return {"dW1": X.T @ dZ1 / m, "db1": np.sum(dZ1, axis=0, keepdims=keepdims) / m,
            "dW2": A1.T @ dZ2 / m, "db2": np.sum(dZ2, axis=0, keepdims=keepdims) / m}


@per_inputs
def wrong_backwards(X, Y, p, cache) -> dict:
    A2 = cache["A2"]
    return {
        "dZ2_sign": backward(X, Y, p, cache, dZ2=Y - A2),
        "dZ2_extra_derivative": backward(X, Y, p, cache, dZ2=(A2 - Y) * A2 * (1 - A2)),
        "backward_no_relu_derivative": backward(X, Y, p, cache, hidden_slope=1.0),
        "grads_no_mean": backward(X, Y, p, cache, mean=False),
        "grads_no_keepdims": backward(X, Y, p, cache, keepdims=False),
        "dW2_uses_Z1": backward(X, Y, p, cache, A1_for_dW2=cache["Z1"]),
    }


def wrong_counts(sizes) -> dict:
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return {"count_without_biases": sum(a * b for a, b in pairs),
            "count_input_biases": sum(a * b for a, b in pairs) + sum(sizes),
            "count_two_layers_only": sizes[0] * sizes[1] + sizes[1] + sizes[1] * sizes[-1] + sizes[-1]}


# ----------------------------------------------------------------------------- the optimizers

def step(params: dict, direction: dict, rate: float, sign: float = -1.0, keys=None) -> dict:
    """params + sign * rate * direction[key], for the given keys (default: all)."""
    keys = params if keys is None else keys
    return {key: value + sign * rate * direction[key] if key in keys else value for key, value in params.items()}


def _plain(grads: dict) -> dict:
    """The gradients under the parameters' keys."""
    return {key[1:]: value for key, value in grads.items()}


FOUR_KEYS = ("W1", "b1", "W2", "b2")


@per_inputs
def wrong_sgd(params, grads, rate: float, default_rate: bool) -> dict:
    g = _plain(grads)
    wrong = {"update_plus": step(params, g, rate, +1.0), "weights_only": step(params, g, rate, keys=("W1", "W2", "W3")),
             "optimizer_fixed_keys": step(params, g, rate, keys=FOUR_KEYS)}
    if default_rate:
        wrong.update({f"learning_rate_default@{r}": step(params, g, r) for r in (0.1, 0.001, 1.0, 0.5)})
    elif rate != 0.01:
        wrong["learning_rate_ignored"] = step(params, g, 0.01)
    return wrong


def momentum(params, grads, velocity, rate, beta, velocity_rule=None, step_along=None, keys=None):
    g = _plain(grads)
    new_v = {k: beta * velocity[k] + g[k] if velocity_rule is None else velocity_rule(velocity[k], g[k])
             for k in params}
    keys = params if keys is None else keys
    new_v = {k: (new_v[k] if k in keys else velocity[k]) for k in params}
    return step(params, new_v if step_along is None else step_along, rate, keys=keys), new_v


@per_inputs
def wrong_momentum(params, grads, velocity, rate: float, beta: float, default_rate: bool) -> dict:
    g = _plain(grads)
    seed002_v = {k: beta * velocity[k] - rate * g[k] for k in params}
    right_p, right_v = momentum(params, grads, velocity, rate, beta)
    wrong = {
        "momentum_seed002_form": ({k: params[k] + seed002_v[k] for k in params}, seed002_v),
        "momentum_ema": momentum(params, grads, velocity, rate, beta, lambda v, gk: beta * v + (1 - beta) * gk),
        "momentum_velocity_not_returned": (right_p, velocity),
        "momentum_step_uses_gradient": momentum(params, grads, velocity, rate, beta, step_along=g),
        "update_plus": (step(params, right_v, rate, +1.0), right_v),
        "optimizer_fixed_keys": momentum(params, grads, velocity, rate, beta, keys=FOUR_KEYS),
    }
    if beta != 0.9:
        wrong["beta_ignored"] = momentum(params, grads, velocity, rate, 0.9)
    if default_rate:
        wrong.update({f"learning_rate_default@{r}": momentum(params, grads, velocity, r, beta) for r in (0.1, 0.001)})
    elif rate != 0.01:
        wrong["learning_rate_ignored"] = momentum(params, grads, velocity, 0.01, beta)
    return wrong


def rmsprop(params, grads, cache, rate, beta, epsilon, square=lambda g: g ** 2, scale=np.sqrt, keys=None,
            average=True, inside=False):
    g = _plain(grads)
    keys = params if keys is None else keys
    new_s = {k: (beta * cache[k] + ((1 - beta) if average else 1.0) * square(g[k])) if k in keys else cache[k]
             for k in params}
    with np.errstate(all="ignore"):
        direction = {k: g[k] / (scale(new_s[k] + epsilon) if inside else scale(new_s[k]) + epsilon) for k in params}
    return step(params, direction, rate, keys=keys), new_s


@per_inputs
def wrong_rmsprop(params, grads, cache, rate: float, beta: float, epsilon: float, default_rate: bool) -> dict:
    wrong = {
        "rmsprop_no_sqrt": rmsprop(params, grads, cache, rate, beta, epsilon, scale=lambda s: s),
        "rmsprop_epsilon_inside": rmsprop(params, grads, cache, rate, beta, epsilon, inside=True),
        # from a zero cache the two give the same step: the first named is the smaller slip
        "rmsprop_no_one_minus_beta": rmsprop(params, grads, cache, rate, beta, epsilon, average=False),
        "rmsprop_sum": rmsprop(params, grads, cache, rate, 1.0, epsilon, average=False),
        "optimizer_fixed_keys": rmsprop(params, grads, cache, rate, beta, epsilon, keys=FOUR_KEYS),
    }
    if beta != 0.9:
        wrong["beta_ignored"] = rmsprop(params, grads, cache, rate, 0.9, epsilon)
    if default_rate:
        wrong.update({f"learning_rate_default@{r}": rmsprop(params, grads, cache, r, beta, epsilon) for r in (0.01, 0.1)})
    elif rate != 0.001:
        wrong["learning_rate_ignored"] = rmsprop(params, grads, cache, 0.001, beta, epsilon)
    return wrong


def adam(params, grads, m, v, t, rate, beta1, beta2, epsilon, correct=True, power=None, square=lambda g: g ** 2,
         inside=False, corrected_out=False, keys=None):
    g = _plain(grads)
    keys = params if keys is None else keys
    power = t if power is None else power
    new_m = {k: beta1 * m[k] + (1 - beta1) * g[k] if k in keys else m[k] for k in params}
    new_v = {k: beta2 * v[k] + (1 - beta2) * square(g[k]) if k in keys else v[k] for k in params}
    m_hat = {k: new_m[k] / (1 - beta1 ** power) if correct else new_m[k] for k in params}
    v_hat = {k: new_v[k] / (1 - beta2 ** power) if correct else new_v[k] for k in params}
    with np.errstate(all="ignore"):
        direction = {k: m_hat[k] / (np.sqrt(v_hat[k] + epsilon) if inside else np.sqrt(v_hat[k]) + epsilon)
                     for k in params}
    new_params = step(params, direction, rate, keys=keys)
    return (new_params, m_hat, v_hat) if corrected_out else (new_params, new_m, new_v)


@per_inputs
def wrong_adam(params, grads, m, v, t: int, rate: float, beta1: float, beta2: float, epsilon: float,
               default_rate: bool) -> dict:
    def variant(**change):
        settings = {"t": t, "rate": rate, "beta1": beta1, "beta2": beta2, "epsilon": epsilon, **change}
        return adam(params, grads, m, v, **settings)
    wrong = {
        "adam_no_bias_correction": variant(correct=False),
        "adam_t_from_zero": variant(power=t + 1),
        "adam_returns_corrected": variant(corrected_out=True),
        "adam_v_not_squared": variant(square=lambda g: g),
        "adam_epsilon_inside": variant(inside=True),
        "adam_betas_swapped": variant(beta1=beta2, beta2=beta1),
        "optimizer_fixed_keys": variant(keys=FOUR_KEYS),
    }
    if (beta1, beta2) != (0.9, 0.999):
        wrong["beta_ignored"] = variant(beta1=0.9, beta2=0.999)
    if default_rate:
        wrong.update({f"learning_rate_default@{r}": variant(rate=r) for r in (0.01, 0.1)})
    elif rate != 0.001:
        wrong["learning_rate_ignored"] = variant(rate=0.001)
    return wrong


# ----------------------------------------------------------------------------- train

@per_inputs
def trajectory(reference, X, Y, start: dict, optimizer: str, epochs: int, rate: float, variant: str = "") -> tuple:
    """(params, losses, outputs) of ``epochs`` epochs of full-batch training from ``start`` with
    the reference's functions (outputs: each epoch's A2), or with one known mistake
    (``variant``): 'reset' (the optimizer's state made anew every epoch), 't_fixed' (Adam always
    at t = 1), 't_from_zero' (Adam's t counted from 0), 'loss_after' (each loss measured after
    the update)."""
    params = {key: np.array(value, dtype=float) for key, value in start.items()}
    zeros = {key: np.zeros_like(value) for key, value in params.items()}
    first, second = dict(zeros), dict(zeros)
    losses, outputs = [], []
    with np.errstate(all="ignore"):
        for epoch in range(epochs):
            if variant == "reset":
                first, second = dict(zeros), dict(zeros)
            A2, cache = reference.two_layer_forward(X, params)
            outputs.append(A2)
            losses.append(reference.categorical_cross_entropy(Y, A2))
            grads = reference.two_layer_backward(X, Y, params, cache)
            if optimizer == "sgd":
                params = reference.sgd_update(params, grads, rate)
            elif optimizer == "momentum":
                params, first = reference.momentum_update(params, grads, first, rate)
            elif optimizer == "rmsprop":
                params, first = reference.rmsprop_update(params, grads, first, rate)
            else:
                t = {"t_fixed": 1, "t_from_zero": epoch}.get(variant, epoch + 1)
                params, first, second = reference.adam_update(params, grads, first, second, t, rate)
            if variant == "loss_after":
                losses[-1] = reference.categorical_cross_entropy(Y, reference.two_layer_forward(X, params)[0])
    return params, losses, outputs


def wrong_trajectories(reference, X, Y, start: dict, optimizer: str, epochs: int, rate: float) -> dict:
    """The parameters each known mistake of train ends with, for the same start."""
    wrong = {}
    if optimizer != "sgd":
        wrong["train_state_reset"] = trajectory(reference, X, Y, start, optimizer, epochs, rate, "reset")[0]
    if optimizer == "adam":
        for variant in ("t_fixed", "t_from_zero"):
            wrong[f"train_adam_{variant}"] = trajectory(reference, X, Y, start, optimizer, epochs, rate, variant)[0]
    else:
        wrong["train_optimizer_ignored"] = trajectory(reference, X, Y, start, "adam", epochs, rate)[0]
    if rate != 0.01:
        wrong["train_learning_rate_ignored"] = trajectory(reference, X, Y, start, optimizer, epochs, 0.01)[0]
    return wrong
