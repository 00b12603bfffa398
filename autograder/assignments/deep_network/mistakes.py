"""The hint table of deep_network: realistic mistakes, the wrong answer each produces for the
graders' own inputs (computed here, on the trusted side), and what to tell the student.

A hint is a diagnosis: the student's answer matched what that mistake gives. No hint shows a
number from a hidden case.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import Hints, per_inputs

HINTS = Hints({
    # initialize_network
    "layers_missing": "initialize_network should make one weight matrix and one bias row per pair of neighbouring "
                      "layer sizes: len(layer_sizes) - 1 of each",
    "weights_column_major": "weights[l] must have shape (layer_sizes[l], layer_sizes[l + 1]), inputs × units: "
                            "rows are examples, so Z = A @ W",
    "biases_column": "the biases are rows of shape (1, n): they are added to every row of A @ W",
    "biases_flat": "the biases are rows of shape (1, n), not flat arrays of shape (n,): np.zeros((1, n))",
    "biases_random": "the biases should start at zero",
    "weights_zero": "the weights are all zero: every unit of a layer would stay identical; draw them with np.random.randn",
    "weights_constant": "all weights have the same value, so the units of a layer cannot become different",
    "weights_uniform": "the weights are all positive: np.random.rand draws from [0, 1); use np.random.randn",
    "weights_small": "the weights are scaled by 0.01, as in seed 002: in a deep ReLU network the signal then shrinks "
                     "at every layer; use He's scale np.sqrt(2 / n_in) with n_in = layer_sizes[l]",
    "weights_xavier": "the weights have Xavier's scale sqrt(1 / n_in); ReLU layers need He's sqrt(2 / n_in)",
    "weights_glorot": "the weights have Glorot's scale sqrt(2 / (n_in + n_out)); ReLU layers need He's sqrt(2 / n_in)",
    "weights_fan_out": "the scale uses the layer's output size; He's scale is sqrt(2 / n_in) with n_in = layer_sizes[l], "
                       "the number of inputs of the layer",
    "weights_unscaled": "the weights look like plain np.random.randn(...): multiply them by np.sqrt(2 / n_in)",
    "weights_scale": "the weights should be normal with mean 0 and standard deviation sqrt(2 / n_in), "
                     "n_in = layer_sizes[l]: np.random.randn(n_in, n_out) * np.sqrt(2 / n_in)",
    # forward_propagation
    "softmax_hidden": "the hidden layers use ReLU; only the last layer uses softmax",
    "relu_output": "the last layer must use softmax, which turns the scores into probabilities; you applied ReLU",
    "linear_output": "the output must be softmax(Z_L), probabilities that add up to 1 in every row; you returned Z_L",
    "softmax_axis0": "softmax must normalise each row (one example) over the classes: sum over axis=1 with keepdims=True",
    "missing_bias": "a bias is missing: Z = A @ weights[l] + biases[l] in every layer",
    "last_layer_skipped": "the loop stopped one layer early: every one of the len(weights) layers must be applied",
    "cache_missing_input": "cache['activations'] must start with the input X itself: [X, A_1, ..., A_L], L + 1 arrays",
    "cache_missing_output": "cache['activations'] must end with the output A_L: [X, A_1, ..., A_L], L + 1 arrays",
    "cache_swapped": "cache['activations'] and cache['Z'] are mixed up: activations holds X and every A = g(Z), "
                     "Z holds every Z = A @ W + b",
    # cross_entropy_loss
    "loss_no_mean": "the loss must be averaged over the m = Y.shape[0] examples: divide the sum by m",
    "loss_mean_over_classes": "divide by the number of examples m only: np.mean over the whole array also divides "
                              "by the number of classes",
    "loss_sign": "the sign is flipped: the loss is -(1/m) Σ Y log(Y_hat), a positive number",
    "loss_binary": "this is the binary cross-entropy, with a (1 - Y) log(1 - Y_hat) term; with softmax over C classes "
                   "the loss is -(1/m) Σ Y log(Y_hat) only",
    "loss_arguments_swapped": "the arguments are used the wrong way round: cross_entropy_loss(Y, Y_hat) takes the "
                              "labels first and the logarithm of Y_hat",
    "loss_not_finite": "the loss is nan or infinite for probabilities of exactly 0 or 1: clip Y_hat to "
                       "[1e-15, 1 - 1e-15] before taking the logarithm",
    "loss_not_clipped": "a certain, wrong prediction should cost a lot but stay finite (about 34.5): clip Y_hat to "
                        "[1e-15, 1 - 1e-15] before taking the logarithm",
    # compute_gradients
    "grads_no_mean": "the gradients must be averaged over the examples: divide by m = Y.shape[0]",
    "grads_no_keepdims": "db[l] must be a row of shape (1, n): np.sum(dZ, axis=0, keepdims=True)",
    "grads_bias_axis": "the bias gradient sums over the examples, which are rows: axis=0, not axis=1",
    "grads_transposed": "dW[l] must have the shape of weights[l]: activations[l].T @ dZ / m, not dZ.T @ activations[l]",
    "grads_reversed": "dW[0] must belong to weights[0]: appending while walking backwards stores the last layer first; "
                      "fill the lists by index or reverse them",
    "grads_output_only": "only the output layer's gradients are right: carry dZ back through every layer, "
                         "dZ = (dZ @ weights[l].T) * relu'(Z), and compute dW[l] and db[l] for each",
    "dZ_sign": "the output layer's dZ is A_L - Y; you have it the other way round (Y - A_L), which climbs the loss",
    "output_extra_derivative": "with softmax and cross-entropy together, the output layer's dZ is simply A_L - Y: "
                               "do not multiply by a derivative of the softmax",
    "relu_derivative_at_zero": "the ReLU's derivative is 1 where Z > 0 and 0 elsewhere, at Z = 0 too: (Z > 0), not (Z >= 0)",
    "relu_derivative_missing": "the gradient must pass through the ReLU's derivative, (Z > 0): it is 0 where the "
                               "unit was inactive, not 1",
    "derivative_is_activation": "multiply by the ReLU's derivative (Z > 0), 0 or 1, not by the activation relu(Z)",
    # one_hot
    "one_hot_transposed": "one_hot must return one row per example: shape (m, n_classes)",
    "one_hot_columns": "Y[:, y] = 1 sets whole columns; set one entry per row: Y[np.arange(m), y] = 1",
    "one_hot_n_classes_ignored": "use the n_classes argument for the number of columns, even when the largest "
                                 "label in y is smaller",
    "one_hot_shifted": "label k belongs in column k: the labels already start at 0",
    # preprocess_data and random_mini_batches
    "split_sizes": "the training set holds the first int(m * (1 - validation_split)) shuffled examples and the "
                   "validation set the rest",
    "classes_from_unique": "count the classes as int(y.max()) + 1, not len(np.unique(y)): a class can be missing "
                           "from the data while a larger label is present",
    "not_scaled": "the inputs should be divided by max_value, so that they lie in [0, 1]",
    "scaled_by_255": "the inputs should be divided by the max_value argument, not by 255",
    "scaled_by_data_max": "the inputs should be divided by the max_value argument, not by the largest value in X",
    "rows_changed": "every row of X_train and X_val should be a row of X divided by max_value",
    "input_changed": "preprocess_data changed the caller's X in place: write X / max_value, not X /= max_value",
    "examples_repeated": "every example should appear exactly once: draw a permutation (rng.permutation(m)), "
                         "not m random indices, which repeat some examples and miss others",
    "examples_missing": "some examples are missing: together the parts must hold all m examples",
    "pairing_broken": "some examples lost their label: shuffle X and Y with one and the same permutation",
    "split_before_shuffle": "the validation set holds the last examples of the original order: shuffle first, then split",
    "not_shuffled": "the examples are in their original order: shuffle them with np.random.default_rng(seed)",
    "poorly_shuffled": "the order is not a fair shuffle: neighbours of the original order mostly stay together; "
                       "draw a full permutation with np.random.default_rng(seed).permutation(m)",
    "seed_ignored": "different seeds gave the same order: draw the shuffle from np.random.default_rng(seed), "
                    "not from NumPy's global generator",
    "not_reproducible": "the same seed gave different orders: draw the shuffle from np.random.default_rng(seed)",
    "last_batch_dropped": "the last, shorter mini-batch is missing: keep the remainder as a final batch",
    "batch_sizes": "every mini-batch should hold batch_size examples, except the last, which holds the remainder",
    "batch_size_default": "the default batch_size is 32",
    # MomentumOptimizer
    "update_plus": "the step must go downhill: v = momentum * v - learning_rate * g (you added the gradient)",
    "velocity_reset": "the velocity must carry over from one call to the next: create the zero velocities only on "
                      "the first call (while they are None)",
    "learning_rate_ignored": "use self.learning_rate: your step does not scale with the learning rate the optimizer "
                             "was created with",
    "momentum_ignored": "use self.momentum: your step does not scale the velocity by the momentum the optimizer "
                        "was created with",
    "weights_not_updated": "update must change the caller's lists: weights[l] += v or weights[l] = weights[l] + v; "
                           "rebinding the name (weights = [...]) changes nothing outside update",
    "biases_not_updated": "update the biases too, with their own velocities velocity_b",
    "velocity_other_form": "the weights are right, but velocity_w and velocity_b should hold seed 002's velocity "
                           "v = momentum * v - learning_rate * g, the step added to the weights",
    "velocities_not_kept": "keep the velocities in self.velocity_w and self.velocity_b, lists shaped like weights "
                           "and biases",
    # train_network
    "train_returns": "train_network should return three things: weights, biases, history (a dict with 'loss')",
    "train_not_initialised": "train_network should start from initialize_network(layer_sizes): the weights it starts "
                             "from are all equal, as if none were drawn",
    "train_history_length": "history['loss'] should hold one mean loss per epoch: a list of length epochs",
    "train_epoch_average": "history['loss'][e] should be the mean loss per example of epoch e: add each batch's loss "
                           "times its size, divide by m (not by n_samples / batch_size)",
    "train_loss_after_update": "history['loss'][e] is the mean of the batch losses measured during epoch e, each "
                               "before its own update, not the loss after the epoch",
    "train_learning_rate_ignored": "pass the learning_rate argument on to the MomentumOptimizer",
    "train_momentum_ignored": "pass the momentum argument on to the MomentumOptimizer",
    "train_optimizer_recreated": "create the MomentumOptimizer once, before the epochs: its velocity must carry "
                                 "over from batch to batch and from epoch to epoch",
    "train_seed_ignored": "different seeds gave the same network: seed np.random with seed and shuffle epoch e "
                          "with seed + e",
    "train_not_reproducible": "the same seed gave different networks: seed np.random with seed and shuffle epoch e "
                              "with seed + e",
    "train_not_learning": "the network did not learn the digits: every mini-batch of every epoch must run the "
                          "forward pass, the gradients and optimizer.update",
    # predict
    "predict_probabilities": "predict must return class labels (the argmax), not the probabilities",
    "predict_one_hot": "predict must return one integer label per example, shape (m,), not one-hot rows",
    "predict_column": "predict must return a flat array of shape (m,), not a column",
    "predict_axis0": "take the argmax over axis 1, the classes of each example; axis 0 runs over the examples",
    "predict_max": "np.max gives the largest probability; the class is its position, np.argmax",
    # evaluate
    "confusion_transposed": "the confusion matrix is transposed: rows are the true classes, columns the predicted ones",
    "confusion_n_classes_ignored": "the confusion matrix must be n_classes × n_classes, even when the largest class "
                                   "never occurs",
    "precision_recall_swapped": "precision and recall are swapped: precision divides the diagonal by the column sums "
                                "(how often each class was predicted), recall by the row sums (how often it occurs)",
    "nan_for_empty_class": "a class that is never predicted (or never occurs) should get precision (or recall) 0, "
                           "not nan: divide only where the sum is positive",
    "accuracy_error_rate": "accuracy is the share of correct predictions, not of wrong ones",
    "accuracy_percent": "accuracy should be a share between 0 and 1, not a percentage",
})


# ----------------------------------------------------------------------------- forward pass, loss

def relu(Z):
    return np.maximum(0.0, Z)


def softmax(Z, axis=1):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def forward(X, weights, biases, hidden=relu, output=softmax, bias=True, layers=None) -> tuple:
    """(A_out, activations, Zs) of a network, with a choice of activations; ``layers`` cuts it short."""
    L = len(weights) if layers is None else layers
    A, activations, Zs = X, [X], []
    for l in range(L):
        Z = A @ weights[l] + (biases[l] if bias else 0)
        A = output(Z) if l == len(weights) - 1 else hidden(Z)
        Zs.append(Z)
        activations.append(A)
    return A, activations, Zs


@per_inputs
def wrong_forwards(X, weights, biases) -> dict:
    with np.errstate(all="ignore"):
        wrong = {
            "softmax_hidden": forward(X, weights, biases, hidden=softmax)[0],
            "relu_output": forward(X, weights, biases, output=relu)[0],
            "linear_output": forward(X, weights, biases, output=lambda Z: Z)[0],
            "softmax_axis0": forward(X, weights, biases, output=lambda Z: softmax(Z, axis=0))[0],
            "missing_bias": forward(X, weights, biases, bias=False)[0],
        }
        # one layer short: softmax on the last hidden layer's scores, or no layer at all when L = 1
        short = forward(X, weights, biases, layers=len(weights) - 1)[2]
        wrong["last_layer_skipped"] = softmax(short[-1]) if short else X
    return wrong


@per_inputs
def wrong_losses(Y, Y_hat) -> dict:
    m, P = Y.shape[0], np.clip(Y_hat, 1e-15, 1 - 1e-15)
    total = -np.sum(Y * np.log(P))
    with np.errstate(all="ignore"):
        return {"loss_no_mean": total, "loss_mean_over_classes": total / Y.size, "loss_sign": -total / m,
                "loss_binary": -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / m,
                "loss_arguments_swapped": -np.sum(Y_hat * np.log(np.clip(Y, 1e-15, 1 - 1e-15))) / m}


# ----------------------------------------------------------------------------- backpropagation

def backward(weights, cache, Y, mean=True, keepdims=True, bias_axis=0, transposed=False, output_only=False,
             dZ_out=None, derivative=lambda Z, A: (Z > 0)) -> dict:
    """{"dW": [...], "db": [...]} with one realistic mistake switched on."""
    activations, Zs = cache["activations"], cache["Z"]
    m = Y.shape[0] if mean else 1
    L = len(weights)
    dW, db = [None] * L, [None] * L
    dZ = activations[-1] - Y if dZ_out is None else dZ_out
    for l in reversed(range(L)):
        dW[l] = (dZ.T @ activations[l] if transposed else activations[l].T @ dZ) / m
        db[l] = np.sum(dZ, axis=bias_axis, keepdims=keepdims) / m
        if l > 0:
            dZ = (dZ @ weights[l].T) * derivative(Zs[l - 1], activations[l])
    if output_only:
        dW = [np.zeros_like(W) for W in dW[:-1]] + dW[-1:]
        db = [np.zeros_like(b) for b in db[:-1]] + db[-1:]
    return {"dW": dW, "db": db}


@per_inputs
def wrong_gradients(weights, cache, Y) -> dict:
    A_out = cache["activations"][-1]
    right = backward(weights, cache, Y)
    return {
        "grads_no_mean": backward(weights, cache, Y, mean=False),
        "grads_no_keepdims": backward(weights, cache, Y, keepdims=False),
        "grads_bias_axis": backward(weights, cache, Y, bias_axis=1),
        "grads_transposed": backward(weights, cache, Y, transposed=True),
        "grads_reversed": {"dW": right["dW"][::-1], "db": right["db"][::-1]},
        "grads_output_only": backward(weights, cache, Y, output_only=True),
        "dZ_sign": backward(weights, cache, Y, dZ_out=Y - A_out),
        "output_extra_derivative": backward(weights, cache, Y, dZ_out=(A_out - Y) * A_out * (1 - A_out)),
        "relu_derivative_at_zero": backward(weights, cache, Y, derivative=lambda Z, A: Z >= 0),
        "relu_derivative_missing": backward(weights, cache, Y, derivative=lambda Z, A: 1.0),
        "derivative_is_activation": backward(weights, cache, Y, derivative=lambda Z, A: A),
    }


# ----------------------------------------------------------------------------- one_hot

@per_inputs
def wrong_one_hots(y, n_classes) -> dict:
    m = y.shape[0]
    right = np.eye(n_classes)[y]
    columns = np.zeros((m, n_classes))
    columns[:, y] = 1.0
    return {"one_hot_transposed": right.T, "one_hot_columns": columns,
            "one_hot_n_classes_ignored": np.eye(int(y.max()) + 1)[y],
            "one_hot_shifted": np.eye(n_classes)[(y - 1) % n_classes]}


# ----------------------------------------------------------------------------- MomentumOptimizer

def momentum_steps(weights, biases, gradients, learning_rate, momentum, velocities=None, sign=-1.0,
                   reset=False) -> dict:
    """Weights, biases and velocities after one update per entry of ``gradients`` (each a
    {"dW", "db"}), starting from ``velocities`` (None: zeros)."""
    weights, biases = [W.copy() for W in weights], [b.copy() for b in biases]
    vw = None if velocities is None else [v.copy() for v in velocities["velocity_w"]]
    vb = None if velocities is None else [v.copy() for v in velocities["velocity_b"]]
    for step in gradients:
        if vw is None or reset:
            vw, vb = [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
        for l in range(len(weights)):
            vw[l] = momentum * vw[l] + sign * learning_rate * step["dW"][l]
            vb[l] = momentum * vb[l] + sign * learning_rate * step["db"][l]
            weights[l] = weights[l] + vw[l]
            biases[l] = biases[l] + vb[l]
    return {"weights": weights, "biases": biases, "velocity_w": vw, "velocity_b": vb}


@per_inputs
def wrong_momentum(weights, biases, gradients, learning_rate, momentum, velocities, defaults) -> dict:
    """Parameters after the steps, for each mistake (velocities aside)."""
    def parameters(**changes):
        settings = {"learning_rate": learning_rate, "momentum": momentum, "velocities": velocities, **changes}
        done = momentum_steps(weights, biases, gradients, **settings)
        return {"weights": done["weights"], "biases": done["biases"]}

    wrong = {"update_plus": parameters(sign=1.0), "velocity_reset": parameters(reset=True)}
    if velocities is not None:
        wrong["velocity_reset@set"] = parameters(velocities=None)
    for rate in defaults["learning_rate"]:
        if rate != learning_rate:
            wrong[f"learning_rate_ignored@{rate}"] = parameters(learning_rate=rate)
    for mu in defaults["momentum"]:
        if mu != momentum:
            wrong[f"momentum_ignored@{mu}"] = parameters(momentum=mu)
    right = parameters()
    wrong["biases_not_updated"] = {"weights": right["weights"], "biases": [b.copy() for b in biases]}
    if velocities is not None:  # the grader set seed 002's v: other forms read it as their own velocity
        (step,) = gradients

        def moved(shift):
            return {"weights": [W + shift(v, g) for W, v, g in zip(weights, velocities["velocity_w"], step["dW"])],
                    "biases": [b + shift(v, g) for b, v, g in zip(biases, velocities["velocity_b"], step["db"])]}
        wrong["velocity_other_form@seed001"] = moved(lambda v, g: -learning_rate * (momentum * v + g))
        wrong["velocity_other_form@negated"] = moved(lambda v, g: -(momentum * v + learning_rate * g))
    return wrong


# ----------------------------------------------------------------------------- evaluate

@per_inputs
def wrong_evaluations(y_true, y_pred, n_classes, right) -> dict:
    """Whole answers of evaluate for each mistake, built from the right one."""
    M = np.asarray(right["confusion_matrix"])
    accuracy = right["accuracy"]
    return {
        "confusion_transposed": {**right, "confusion_matrix": M.T},
        # precision and recall computed from the transposed matrix trade places too
        "confusion_transposed@derived": {**right, "confusion_matrix": M.T, "precision": right["recall"],
                                         "recall": right["precision"]},
        "precision_recall_swapped": {**right, "precision": right["recall"], "recall": right["precision"]},
        "accuracy_error_rate": {**right, "accuracy": 1 - accuracy},
        "accuracy_percent": {**right, "accuracy": 100 * accuracy},
    }
