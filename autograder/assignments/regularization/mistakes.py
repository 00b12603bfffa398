"""The hint table of regularization: realistic mistakes, the wrong answer each produces for the
grader's own inputs (computed here, on the trusted side), and what to tell the student.

A hint is a diagnosis: the student's answer matched what that mistake gives. No hint shows a
number from a hidden case.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Hints, numerical_gradient, per_inputs

HINTS = Hints({
    # l2_penalty
    "l2_no_half": "the penalty is (lambda / 2) times the sum of squared weights: the factor 1/2 is missing",
    "l2_abs": "square the weights: the sum of their absolute values is the L1 penalty, not L2",
    "l2_norm_not_squared": "use the squared norms, the sum of W ** 2, not np.linalg.norm(W) itself",
    "l2_one_layer": "only one layer's weights were counted: sum the squares over every matrix in the list "
                    "(is the return inside the loop?)",
    "l2_mean": "sum the squares (np.sum), do not average them (np.mean)",
    # add_l2_gradients
    "l2_grad_double": "the derivative of (lambda / 2) W² is lambda W: you added 2 lambda W",
    "l2_grad_half": "the derivative of (lambda / 2) W² is lambda W, not (lambda / 2) W",
    "l2_grad_sign": "add lambda W: the penalty grows with the weights, so its gradient points away from zero",
    "l2_grad_only_penalty": "return dW + lambda W: the gradient of the cross-entropy must stay in",
    "l2_grad_one_layer": "add lambda W to the gradient of every layer, not only one",
    "l2_grad_swapped": "the arguments are dW, weights: the result is dW[l] + lambda * weights[l]",
    # dropout_forward
    "dropout_not_pair": "dropout_forward must return a tuple (A_dropped, mask)",
    "mask_shape": "the mask must have A's shape: one independent entry per example and unit, rng.random(A.shape)",
    "mask_shared": "every example (row) shares the same mask: draw one entry per example and unit, rng.random(A.shape)",
    "mask_not_binary": "the mask must hold 0 and 1 (or False and True) only",
    "mask_scaled": "return the plain 0/1 mask; the scaling by 1 / (1 - rate) belongs on the activations",
    "mask_share": "the share of kept entries is far from 1 - rate: keep each entry with probability 1 - rate",
    "mask_keeps_rate": "an entry must be KEPT with probability 1 - rate: rate is the probability of dropping it",
    "dropout_no_scaling": "inverted dropout divides the kept activations by 1 - rate, so that their expected value stays A",
    "dropout_scale_by_rate": "divide by the keep probability 1 - rate, not by the rate",
    "dropout_scale_multiplied": "divide by 1 - rate (inverted dropout), do not multiply by it",
    "dropout_output": "A_dropped must be A * mask / (1 - rate), with the mask you return",
    "dropout_ignores_rng": "the mask does not depend on the generator passed in: draw it from the rng argument "
                           "(rng.random(A.shape)), not from np.random",
    "dropout_unseeded": "the same generator state gave different masks: draw the mask from the rng argument, "
                        "not from a new generator",
    "dropout_rate_zero": "with rate = 0 nothing may be dropped: A_dropped equals A and the mask is all ones",
    # dropout_backward
    "dropout_backward_no_scaling": "the backward pass scales like the forward one: dA * mask / (1 - rate)",
    "dropout_backward_scale_by_rate": "divide by the keep probability 1 - rate, not by the rate",
    "dropout_backward_no_mask": "multiply by the mask: a dropped unit passes no gradient back",
    "dropout_backward_multiplied": "divide by 1 - rate, do not multiply by it",
    # batchnorm_forward
    "bn_axis": "normalise every feature over the batch: mean and variance over axis 0 (the examples), not axis 1",
    "bn_global": "each feature (column) gets its own mean and variance: np.mean(Z, axis=0), not of the whole matrix",
    "bn_unbiased": "use the biased variance, dividing by m (np.var's default), not by m - 1",
    "bn_eps_outside": "epsilon goes inside the square root: (Z - mean) / np.sqrt(var + epsilon)",
    "bn_no_epsilon": "a constant feature gives nan or inf: add epsilon to the variance before the square root",
    "bn_epsilon_ignored": "use the epsilon argument; your answer looks computed with another epsilon",
    "bn_gamma_beta_swapped": "gamma scales and beta shifts: out = gamma * Z_hat + beta",
    "bn_no_affine": "return gamma * Z_hat + beta, not Z_hat itself",
    "bn_std_in_cache": "cache['var'] must be the variance; you stored the standard deviation",
    # batchnorm_backward
    "bn_param_grads_swapped": "dgamma and dbeta are swapped: dbeta = sum of dout, dgamma = sum of dout * Z_hat",
    "bn_dgamma_no_zhat": "dgamma is the sum over the batch of dout * Z_hat, not of dout alone",
    "bn_param_grads_shape": "dgamma and dbeta must be rows of shape (1, n) like gamma and beta: sum with keepdims=True",
    "bn_param_grads_axis": "sum dgamma and dbeta over the batch, axis 0",
    "bn_stats_constant": "dZ treats the mean and variance as constants; they depend on Z too: "
                         "dZ = (m dZ_hat - sum(dZ_hat) - Z_hat * sum(dZ_hat * Z_hat)) / (m sqrt(var + epsilon))",
    "bn_missing_variance_term": "dZ lacks the variance's term, - Z_hat * sum(dZ_hat * Z_hat)",
    "bn_dZ_no_gamma": "dZ_hat = dout * gamma: the scale gamma is part of the chain rule",
    "bn_backward_unbiased": "the forward pass divides by m, so the backward pass does too (not m - 1)",
    # LearningRateScheduler
    "sched_no_patience": "the rate was reduced before patience calls without improvement had passed",
    "sched_late": "the rate was reduced one call too late: reduce when the wait REACHES patience",
    "sched_wait_kept": "after a reduction the wait must start again from 0, so the next reduction needs "
                       "patience more calls without improvement",
    "sched_wait_not_reset": "a new best loss must reset the wait to 0",
    "sched_ties": "a loss equal to the best is no improvement: compare with <, not <=",
    "sched_previous_loss": "compare each loss with the best loss so far, not with the previous one",
    "sched_old_rate": "update must return the rate after this call, including a reduction it just made",
    "sched_initial_lr": "start from the initial_lr argument",
    "sched_factor": "a reduction multiplies the rate by factor (lr * factor), not by 1 - factor",
    "sched_best_not_kept": "keep the best loss: update it at every improvement",
    # EarlyStopping
    "es_counts_improvements": "count the calls WITHOUT improvement; an improvement resets the count to 0",
    "es_no_reset": "an improvement must reset the count of calls without improvement to 0",
    "es_late": "should_stop must say True as soon as the count reaches patience (>=), not one call later",
    "es_ties": "a loss equal to the best is no improvement",
    "es_min_delta_ignored": "a loss counts as an improvement only when it is below best_loss - min_delta",
    "es_min_delta_side": "an improvement is a loss below best_loss - min_delta (not best_loss + min_delta)",
    "es_best_moves": "best_loss changes only at an improvement; a smaller fall within min_delta is no improvement "
                     "and leaves best_loss where it was",
    "es_best_epoch_latest": "best_epoch is the index of the call with the last improvement, not of the latest call",
    "es_best_epoch_one_based": "best_epoch counts calls from 0: the first call is epoch 0",
    "es_answer_type": "should_stop must return True or False",
    # add_noise
    "noise_not_clipped": "clip the noisy images to [0, 1]: np.clip(noisy, 0, 1)",
    "noise_ignores_rng": "the noise does not depend on the generator passed in: draw it from the rng argument "
                         "(rng.normal), not from np.random",
    "noise_unseeded": "the same generator state gave different noise: draw from the rng argument, not a new generator",
    "noise_variance": "std is the standard deviation: rng.normal(0, std, size), not std ** 2",
    "noise_std": "the noise's standard deviation should be std: rng.normal(0, std, size=images.shape)",
    "noise_shared": "every image gets the same noise: draw one value per pixel of the whole array (size=images.shape)",
    "noise_none": "no noise was added",
    "noise_biased": "the noise should have mean 0",
    # shift_images
    "shift_wraps": "pixels wrapped around to the other side (np.roll): vacated pixels must be 0",
    "shift_axes": "dx moves along the columns (width, the last axis) and dy along the rows (height)",
    "shift_direction": "positive dx moves right and positive dy moves down: your images moved the other way",
    "shift_batch_axis": "shift inside every image (axes 1 and 2), never along the batch axis 0",
    "shift_zero": "a shift of 0 must leave the images as they are (beware of slices like [:-0], which are empty)",
    "shift_too_far": "a shift of the whole width or height (or more) leaves nothing: all zeros",
    # train_regularized
    "train_shapes": "weights[l] must have shape (layer_sizes[l], layer_sizes[l + 1]) and biases[l] (1, layer_sizes[l + 1])",
    "weights_zero": "the weights start at zero: draw them with He initialisation, "
                    "rng.standard_normal((n_l, n_next)) * np.sqrt(2 / n_l)",
    "weights_constant": "all weights start with the same value: draw them at random with He initialisation",
    "weights_uniform": "the weights are all positive: draw them from a normal distribution, rng.standard_normal",
    "weights_unscaled": "scale the standard normal draws by sqrt(2 / n_l) (He initialisation)",
    "weights_scale": "the starting weights should have standard deviation sqrt(2 / n_l), n_l = layer_sizes[l] "
                     "(He initialisation), not 0.01 or sqrt(1 / n_l)",
    "train_biases_start": "the biases start at zero",
    "train_seed_ignored": "the start does not depend on seed: draw it from rng = np.random.default_rng(seed)",
    "train_not_reproducible": "the same seed gave different results: draw everything from rng = np.random.default_rng(seed)",
    "train_history_length": "each history list needs one entry per epoch",
    "train_l2_ignored": "the update ignores L2: pass the weight gradients through add_l2_gradients(dW, weights, l2_lambda)",
    "train_l2_double": "the L2 term of the gradient is lambda W, not 2 lambda W",
    "train_l2_over_m": "the L2 term of the gradient is lambda W, not lambda W / m (this course's penalty has no 1/m)",
    "train_l2_sign": "the L2 term is added to the gradient: W <- W - alpha (dW + lambda W)",
    "train_l2_biases": "L2 applies to the weights only: the biases' gradients stay as they are",
    "train_not_averaged": "the gradients must be averaged over the m training examples: dZ_L = (Y_hat - Y) / m",
    "train_step": "after one epoch the parameters differ from one full-batch step of gradient descent: forward "
                  "(ReLU, softmax), backward, + lambda W, W <- W - learning_rate dW",
    "train_history_before_update": "record the history after the epoch's update (the losses of the new weights)",
    "train_history_penalty": "history['train_loss'] is the cross-entropy alone, without the L2 penalty",
    "train_accuracy_percent": "history['val_accuracy'] is a share between 0 and 1, not a percentage",
    "train_history_values": "history['train_loss'], history['val_loss'] and history['val_accuracy'] must be the "
                            "cross-entropies and the validation accuracy of the weights after each epoch's update",
    "train_dropout_ignored": "dropout_rate > 0 trained exactly like no dropout: apply dropout_forward to the hidden activations",
    "train_history_with_dropout": "measure the history without dropout (predict_proba): dropout is for training only",
    "train_not_learning": "on the digits the plain network learned too little: check the forward and backward passes "
                          "and the update",
    "train_l2_no_effect": "with l2_lambda = 0.01 the validation accuracy did not rise above the plain run's, "
                          "or the train/validation gap did not narrow: check how L2 enters the gradient",
    "train_dropout_no_effect": "with dropout_rate = 0.5 the validation accuracy did not rise above the plain run's, "
                               "or the train/validation gap did not narrow: apply dropout to every hidden layer "
                               "in training, and pass its gradient back through the masks",
})


# ----------------------------------------------------------------------------- L2

@per_inputs
def wrong_penalties(weights, l2_lambda) -> dict:
    squares = [float(np.sum(W ** 2)) for W in weights]
    return {"l2_no_half": l2_lambda * sum(squares),
            "l2_abs": l2_lambda / 2 * sum(float(np.sum(np.abs(W))) for W in weights),
            "l2_norm_not_squared": l2_lambda / 2 * sum(np.sqrt(s) for s in squares),
            "l2_one_layer@first": l2_lambda / 2 * squares[0],
            "l2_one_layer@last": l2_lambda / 2 * squares[-1],
            "l2_mean": l2_lambda / 2 * sum(float(np.mean(W ** 2)) for W in weights)}


@per_inputs
def wrong_l2_gradients(dW, weights, l2_lambda) -> dict:
    def add(scale, only=None):
        return [d + scale * W if only is None or l == only else d
                for l, (d, W) in enumerate(zip(dW, weights))]
    return {"l2_grad_double": add(2 * l2_lambda), "l2_grad_half": add(l2_lambda / 2),
            "l2_grad_sign": add(-l2_lambda), "l2_grad_only_penalty": [l2_lambda * W for W in weights],
            "l2_grad_one_layer@first": add(l2_lambda, only=0),
            "l2_grad_one_layer@last": add(l2_lambda, only=len(dW) - 1),
            "l2_grad_swapped": [W + l2_lambda * d for d, W in zip(dW, weights)]}


# ----------------------------------------------------------------------------- dropout

def wrong_dropouts(A, mask, rate) -> dict:
    keep = 1 - rate
    wrong = {"dropout_no_scaling": A * mask, "dropout_scale_multiplied": A * mask * keep}
    if rate > 0:
        wrong["dropout_scale_by_rate"] = A * mask / rate
    return wrong


@per_inputs
def wrong_dropout_gradients(dA, mask, rate) -> dict:
    keep = 1 - rate
    wrong = {"dropout_backward_no_scaling": dA * mask, "dropout_backward_no_mask": dA / keep,
             "dropout_backward_multiplied": dA * mask * keep}
    if rate > 0:
        wrong["dropout_backward_scale_by_rate"] = dA * mask / rate
    return wrong


# ----------------------------------------------------------------------------- batch normalisation

def batchnorm(Z, gamma, beta, epsilon=1e-5, axis=0, ddof=0, eps_outside=False, swap=False, whole=False):
    """Batch normalisation in training mode, and the variants mistakes make of it."""
    mean = np.mean(Z) if whole else np.mean(Z, axis=axis, keepdims=True)
    var = np.var(Z, ddof=ddof) if whole else np.var(Z, axis=axis, keepdims=True, ddof=ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        Z_hat = (Z - mean) / (np.sqrt(var) + epsilon if eps_outside else np.sqrt(var + epsilon))
    out = beta * Z_hat + gamma if swap else gamma * Z_hat + beta
    return out, {"Z": Z, "Z_hat": Z_hat, "mean": mean, "var": var, "gamma": gamma, "epsilon": epsilon}


@per_inputs
def wrong_batchnorms(Z, gamma, beta, epsilon) -> dict:
    wrong = {"bn_unbiased": batchnorm(Z, gamma, beta, epsilon, ddof=1)[0] if Z.shape[0] > 1 else None,
             "bn_eps_outside": batchnorm(Z, gamma, beta, epsilon, eps_outside=True)[0],
             "bn_gamma_beta_swapped": batchnorm(Z, gamma, beta, epsilon, swap=True)[0],
             "bn_no_affine": batchnorm(Z, np.ones_like(gamma), np.zeros_like(beta), epsilon)[0],
             "bn_global": batchnorm(Z, gamma, beta, epsilon, whole=True)[0]}
    if Z.shape[1] > 1:
        wrong["bn_axis"] = batchnorm(Z, gamma, beta, epsilon, axis=1)[0]
    for other in (1e-5, 1e-8, 1e-3, 0.0):
        if other != epsilon:
            wrong[f"bn_epsilon_ignored@{other}"] = batchnorm(Z, gamma, beta, other)[0]
    return {key: value for key, value in wrong.items() if value is not None and np.all(np.isfinite(value))}


def bn_gradients(dout, cache, stats_constant=False, variance_term=True, with_gamma=True, ddof=0, swap=False):
    """The backward pass of batchnorm from the grader's cache, and the variants mistakes make of it."""
    Z_hat, var, gamma, epsilon = cache["Z_hat"], cache["var"], cache["gamma"], cache["epsilon"]
    m = dout.shape[0] - ddof
    dbeta = np.sum(dout, axis=0, keepdims=True)
    dgamma = np.sum(dout * Z_hat, axis=0, keepdims=True)
    dZ_hat = dout * gamma if with_gamma else dout
    scale = np.sqrt(var + epsilon)
    if stats_constant:
        dZ = dZ_hat / scale
    else:
        centred = m * dZ_hat - np.sum(dZ_hat, axis=0, keepdims=True)
        if variance_term:
            centred = centred - Z_hat * np.sum(dZ_hat * Z_hat, axis=0, keepdims=True)
        dZ = centred / (m * scale)
    return (dZ, dbeta, dgamma) if swap else (dZ, dgamma, dbeta)


@per_inputs
def numerical_batchnorm_gradients(dout, Z, gamma, beta, epsilon) -> tuple:
    """(dZ, dgamma, dbeta) of J = sum(dout * out) by centred differences: the calculus-free truth."""
    def cost(p):
        return float(np.sum(dout * batchnorm(p["Z"], p["gamma"], p["beta"], epsilon)[0]))
    grads = numerical_gradient(cost, {"Z": Z, "gamma": gamma, "beta": beta}, eps=1e-6)
    return grads["dZ"], grads["dgamma"], grads["dbeta"]


@per_inputs
def wrong_bn_gradients(dout, cache) -> dict:
    dZ, dgamma, dbeta = bn_gradients(dout, cache)
    m = dout.shape[0]
    wrong = {"bn_param_grads_swapped": (dZ, dbeta, dgamma),
             "bn_dgamma_no_zhat": (dZ, dbeta, dbeta),
             "bn_stats_constant": bn_gradients(dout, cache, stats_constant=True),
             "bn_missing_variance_term": bn_gradients(dout, cache, variance_term=False),
             "bn_dZ_no_gamma": bn_gradients(dout, cache, with_gamma=False)}
    if m > 1:
        wrong["bn_backward_unbiased"] = bn_gradients(dout, cache, ddof=1)
    return wrong


# ----------------------------------------------------------------------------- the scheduler

def scheduled_rates(losses, initial_lr=0.01, patience=3, factor=0.5, *, variant: str = "") -> list[float]:
    """The rates update returns for ``losses``, by the rule or by one mistake's version of it."""
    lr = 0.01 if variant == "sched_initial_lr" else initial_lr
    best, previous, wait, rates = np.inf, np.inf, 0, []
    for loss in losses:
        reference = previous if variant == "sched_previous_loss" else best
        improved = loss <= reference if variant == "sched_ties" else loss < reference
        previous = loss
        if improved:
            if variant != "sched_best_not_kept":
                best = loss
            if variant != "sched_wait_not_reset":
                wait = 0
            rates.append(lr)
            continue
        wait += 1
        old = lr
        threshold = {"sched_no_patience": 1, "sched_late": patience + 1}.get(variant, patience)
        if wait >= threshold:
            lr = lr * (1 - factor) if variant == "sched_factor" else lr * factor
            if variant != "sched_wait_kept":
                wait = 0
        rates.append(old if variant == "sched_old_rate" else lr)
    return rates


SCHEDULER_MISTAKES = ("sched_no_patience", "sched_late", "sched_wait_kept", "sched_wait_not_reset", "sched_ties",
                      "sched_previous_loss", "sched_old_rate", "sched_initial_lr", "sched_factor",
                      "sched_best_not_kept")


@per_inputs
def wrong_schedules(losses, settings) -> dict:
    return {key: scheduled_rates(losses, **settings, variant=key) for key in SCHEDULER_MISTAKES}


# ----------------------------------------------------------------------------- early stopping

def stopping_replay(losses, patience=5, min_delta=0.0, *, variant: str = "") -> tuple[list[bool], list[int]]:
    """should_stop's answers and best_epoch after each call, by the rule or one mistake's version."""
    delta = 0.0 if variant == "es_min_delta_ignored" else min_delta
    best, best_epoch, wait, answers, epochs = np.inf, 0, 0, [], []
    for call, loss in enumerate(losses):
        if variant == "es_min_delta_side":
            improved = loss < best + delta
        elif variant == "es_ties":
            improved = loss <= best - delta
        else:
            improved = loss < best - delta
        if improved:
            best, best_epoch = loss, call
            if variant == "es_counts_improvements":
                wait += 1
            elif variant != "es_no_reset":
                wait = 0
        else:
            if variant == "es_best_moves" and loss < best:
                best = loss
            if variant == "es_counts_improvements":
                wait = 0
            else:
                wait += 1
        threshold = patience + 1 if variant == "es_late" else patience
        answers.append(wait >= threshold)
        epochs.append({"es_best_epoch_latest": call, "es_best_epoch_one_based": best_epoch + 1}.get(variant, best_epoch))
    return answers, epochs


STOPPING_MISTAKES = ("es_counts_improvements", "es_no_reset", "es_late", "es_ties", "es_min_delta_ignored",
                     "es_min_delta_side", "es_best_moves", "es_best_epoch_latest", "es_best_epoch_one_based")


# ----------------------------------------------------------------------------- augmentation

def shifted(images, dx, dy, variant: str = "") -> np.ndarray:
    """images moved dx right and dy down with zeros coming in, or one mistake's version of it."""
    if variant == "shift_axes":
        dx, dy = dy, dx
    if variant == "shift_direction":
        dx, dy = -dx, -dy
    if variant == "shift_wraps":
        return np.roll(images, (dy, dx), axis=(1, 2))
    if variant == "shift_batch_axis":
        return np.roll(images, dx + dy, axis=0)
    m, h, w = images.shape
    out = np.zeros_like(images)
    rows_to, rows_from = slice(max(dy, 0), max(h + min(dy, 0), 0)), slice(max(-dy, 0), max(h - max(dy, 0), 0))
    cols_to, cols_from = slice(max(dx, 0), max(w + min(dx, 0), 0)), slice(max(-dx, 0), max(w - max(dx, 0), 0))
    out[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return out


@per_inputs
def wrong_shifts(images, dx, dy) -> dict:
    wrong = {key: shifted(images, dx, dy, key) for key in ("shift_axes", "shift_direction", "shift_wraps",
                                                             "shift_batch_axis")}
    right = shifted(images, dx, dy)
    return {key: value for key, value in wrong.items() if not np.allclose(value, right)}


# ----------------------------------------------------------------------------- training

def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(Y, Y_hat) -> float:
    return float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-15, 1 - 1e-15))) / Y.shape[0])


def predict_proba(X, weights, biases):
    A = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = A @ W + b
        A = softmax(Z) if l == len(weights) - 1 else np.maximum(Z, 0.0)
    return A


def accuracy(Y, Y_hat) -> float:
    return float(np.mean(np.argmax(Y_hat, axis=1) == np.argmax(Y, axis=1)))


def gradient_step(X, Y, weights, biases, l2_lambda, learning_rate, *, l2_scale=1.0, l2_biases=False,
                  averaged=True):
    """One full-batch step of gradient descent without dropout, or one mistake's version of it."""
    L, m = len(weights), X.shape[0]
    A, Z = [X], []
    for l in range(L):
        Z.append(A[l] @ weights[l] + biases[l])
        A.append(softmax(Z[l]) if l == L - 1 else np.maximum(Z[l], 0.0))
    dZ = (A[L] - Y) / (m if averaged else 1)
    new_weights, new_biases = [None] * L, [None] * L
    for l in reversed(range(L)):
        dW = A[l].T @ dZ + l2_scale * l2_lambda * weights[l]
        db = np.sum(dZ, axis=0, keepdims=True) + (l2_lambda * biases[l] if l2_biases else 0)
        if l > 0:
            dZ = (dZ @ weights[l].T) * (Z[l - 1] > 0)
        new_weights[l], new_biases[l] = weights[l] - learning_rate * dW, biases[l] - learning_rate * db
    return new_weights, new_biases


@per_inputs
def wrong_steps(X, Y, weights, biases, l2_lambda, learning_rate) -> dict:
    m = X.shape[0]
    variants = {"train_l2_ignored": {"l2_scale": 0.0}, "train_l2_double": {"l2_scale": 2.0},
                "train_l2_over_m": {"l2_scale": 1.0 / m}, "train_l2_sign": {"l2_scale": -1.0},
                "train_l2_biases": {"l2_biases": True}, "train_not_averaged": {"averaged": False}}
    return {key: dict(zip(("weights", "biases"), gradient_step(X, Y, weights, biases, l2_lambda, learning_rate,
                                                                 **settings)))
            for key, settings in variants.items()}


@per_inputs
def history_entry(problem, weights, biases) -> dict:
    """What history[...][e] must hold for the weights after epoch e."""
    val = predict_proba(problem["X_val"], weights, biases)
    return {"train_loss": cross_entropy(problem["Y_train"], predict_proba(problem["X_train"], weights, biases)),
            "val_loss": cross_entropy(problem["Y_val"], val), "val_accuracy": accuracy(problem["Y_val"], val)}
