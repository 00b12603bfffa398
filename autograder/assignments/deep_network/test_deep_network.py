"""Hidden graders of deep_network: one test per exercise, one parameter per case.

Every function is graded on inputs the grader builds (random networks of depth L = 1 to 4,
caches written by the trusted side, optimizer state set by the grader), never on the student's
other functions, except train_network and predict, which are meant to call them. Whatever is
random is graded by its properties (a partition, the pairing of examples with their labels,
sizes, the statistics of a shuffle or of the initial weights), never by the order of the draws.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import (ATOL, RTOL, Case, Mistake, as_array, as_number, close, diagnose, expect_dict,
                                expect_drawn, expect_sequence, grader, numerical_gradient, per_inputs)
from autograder.student import StudentRaised

from . import cases as C
from . import mistakes as M

HINTS = M.HINTS


def _pair(got, what: str, names: str) -> tuple:
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Mistake(f"{what} should return two things: {names}")
    return tuple(got)


def _layers(got, L: int, what: str) -> list[np.ndarray]:
    return [as_array(item, f"{what}[{l}]") for l, item in enumerate(expect_sequence(got, L, what))]


def _close_all(got, expected, what: str, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether a nested answer (dicts and lists of arrays and numbers) equals ``expected`` within
    tolerance; a Mistake when its structure, a type or a shape is wrong."""
    if isinstance(expected, dict):
        got = expect_dict(got, list(expected), what)
        return all(_close_all(got[key], value, f"{what}['{key}']" if what else key, rtol, atol)
                   for key, value in expected.items())
    if isinstance(expected, (list, tuple)):
        items = expect_sequence(got, len(expected), what)
        return all(_close_all(g, e, f"{what}[{i}]", rtol, atol) for i, (g, e) in enumerate(zip(items, expected)))
    return close(got, expected, what, rtol, atol)


def _expect(got, expected, what: str, wrong: dict, fallback: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Pass, or raise the known mistake whose answer ``got`` matches, or else what is wrong with it."""
    try:
        if _close_all(got, expected, what, rtol, atol):
            return
        problem = Mistake(fallback)
    except Mistake as error:
        problem = error
    found = diagnose(got, wrong, HINTS, "")
    raise found if found.key else problem


def _same(got, expected) -> bool:
    """_close_all without the Mistake: a plain yes or no."""
    try:
        return _close_all(got, expected, "")
    except Mistake:
        return False


# ----------------------------------------------------------------------------- initialize_network

#: Per-layer standard deviations that realistic mistakes use instead of He's sqrt(2 / n_in).
WRONG_SCALES = {
    "weights_small": lambda n_in, n_out: 0.01,
    "weights_xavier": lambda n_in, n_out: np.sqrt(1.0 / n_in),
    "weights_glorot": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),
    "weights_fan_out": lambda n_in, n_out: np.sqrt(2.0 / n_out),
    "weights_unscaled": lambda n_in, n_out: 1.0,
}


def expect_he_weights(weights: list[np.ndarray]) -> None:
    """Every layer drawn from N(0, 2 / n_in), judged by statistics of all layers together.

    Each weight is divided by its layer's He deviation; the root mean square of the N results
    lies within a factor exp(8 / √(2N)) of 1 but for odds below 1e-10 from N = 100 (a factor
    of 4.3 at the smallest case, N = 15, which still tells 0.01 from He). A failure is named
    by the scale that does fit, if any.
    """
    values = np.concatenate([W.ravel() for W in weights])
    expect_drawn(values, HINTS)
    tolerance = 8 / np.sqrt(2 * values.size)

    def fits(scale) -> bool:
        scaled = np.concatenate([W.ravel() / scale(*W.shape) for W in weights])
        return abs(np.log(np.sqrt(np.mean(scaled ** 2)))) <= tolerance
    if fits(lambda n_in, n_out: np.sqrt(2.0 / n_in)):
        return
    raise HINTS.mistake(next((key for key, scale in WRONG_SCALES.items() if fits(scale)), "weights_scale"))


def _init_case(sizes, description):
    return Case("sizes_" + "_".join(map(str, sizes)), description, lambda: {"sizes": list(sizes)})


@grader("initialize_network", cases=[
    _init_case([64, 32, 10], "initialize_network([64, 32, 10]), the digits network"),
    _init_case([5, 3], "one layer: initialize_network([5, 3])"),
    _init_case([8, 16, 12, 6, 3], "four layers: initialize_network([8, 16, 12, 6, 3])"),
    _init_case([200, 100, 50, 25], "large layers [200, 100, 50, 25]: the scale of the weights is measured precisely"),
])
def test_initialize_network(student, reference, case):
    sizes = case.inputs()["sizes"]
    L = len(sizes) - 1
    weights, biases = _pair(student.call("initialize_network", sizes), "initialize_network", "weights, biases")
    if isinstance(weights, (list, tuple)) and len(weights) == L - 1:
        raise HINTS.mistake("layers_missing")
    weights, biases = _layers(weights, L, "weights"), _layers(biases, L, "biases")
    for l, (W, b) in enumerate(zip(weights, biases)):
        n_in, n_out = sizes[l], sizes[l + 1]
        if W.shape != (n_in, n_out):
            raise HINTS.mistake("weights_column_major") if W.shape == (n_out, n_in) else \
                Mistake(f"weights[{l}] has shape {W.shape}, expected (layer_sizes[{l}], layer_sizes[{l + 1}])")
        if b.shape != (1, n_out):
            raise HINTS.mistake({(n_out, 1): "biases_column", (n_out,): "biases_flat"}.get(b.shape, "biases_column"))
    if any(np.any(b != 0) for b in biases):
        raise HINTS.mistake("biases_random")
    expect_he_weights(weights)


# ----------------------------------------------------------------------------- forward_propagation

def _problem_case(sizes, m, seed, description=""):
    L = len(sizes) - 1
    return Case(f"L{L}_m{m}", description or f"a random network with L = {L} layers of sizes {sizes}, m = {m}",
                lambda: C.problem(sizes, m, seed))


FORWARD_CASES = [
    _problem_case([4, 3], 5, 1, "one layer (L = 1, sizes [4, 3]): softmax regression, m = 5"),
    _problem_case([3, 5, 4], 1, 2, "L = 2, sizes [3, 5, 4], a single example (m = 1)"),
    _problem_case([5, 4, 6, 3, 3], 6, 3),
    _problem_case([64, 16, 10], 40, 4, "the digits' shapes: sizes [64, 16, 10], m = 40"),
]


@grader("forward_propagation", cases=FORWARD_CASES)
def test_forward_propagation(student, reference, case):
    X, weights, biases = (case.inputs()[key] for key in ("X", "weights", "biases"))
    L = len(weights)
    A_out, cache = _pair(student.call("forward_propagation", X, weights, biases),
                         "forward_propagation", "A_out, cache")
    expected, right = reference.forward_propagation(X, weights, biases)
    _expect(A_out, expected, "A_out", M.wrong_forwards(X, weights, biases),
            "A_out is wrong: Z = A @ weights[l] + biases[l] in every layer, relu on the hidden layers, softmax on the last")
    cache = expect_dict(cache, ["activations", "Z"], "the cache")
    activations, Zs = cache["activations"], cache["Z"]
    if isinstance(activations, (list, tuple)) and len(activations) == L:
        first = as_array(activations[0], "cache['activations'][0]")
        at_start = first.shape == X.shape and close(first, X)
        raise HINTS.mistake("cache_missing_output" if at_start else "cache_missing_input")
    activations, Zs = _layers(activations, L + 1, "cache['activations']"), _layers(Zs, L, "cache['Z']")
    if _same({"activations": activations[1:], "Z": Zs}, {"activations": right["Z"], "Z": right["activations"][1:]}):
        raise HINTS.mistake("cache_swapped")
    _expect({"activations": activations, "Z": Zs}, right, "the cache", {},
            "the cache is wrong: activations [X, A_1, ..., A_L], Z [Z_1, ..., Z_L] of this forward pass")


# ----------------------------------------------------------------------------- cross_entropy_loss

def _loss_case(m, n_classes, seed):
    return Case(f"random_m{m}_C{n_classes}", f"softmax outputs of random scores, m = {m}, C = {n_classes}",
                lambda: C.probabilities(m, n_classes, seed))


@grader("cross_entropy_loss", cases=[
    Case("seed_example", "seed 002's example: two examples, three classes (a probability of exactly 0 included)",
         lambda: {"Y": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
                  "Y_hat": np.array([[0.9, 0.1, 0.0], [0.1, 0.8, 0.1]])}),
    _loss_case(50, 10, 1), _loss_case(1, 4, 2), _loss_case(7, 2, 3),
    Case("certain_and_right", "predictions of exactly 1 for the true class and 0 elsewhere, and one uncertain example",
         lambda: {"Y": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]),
                  "Y_hat": np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])}),
    Case("certain_and_wrong", "probability exactly 0 for the true class: a large loss, but finite",
         lambda: {"Y": np.array([[0.0, 1.0]]), "Y_hat": np.array([[1.0, 0.0]])}, settings={"within": (10, 40)}),
])
def test_cross_entropy_loss(student, reference, case):
    Y, Y_hat = case.inputs()["Y"], case.inputs()["Y_hat"]
    got = as_number(student.call("cross_entropy_loss", Y, Y_hat), "the loss")
    if not np.isfinite(got):
        raise HINTS.mistake("loss_not_finite")
    if "within" in case.settings:  # clipping at 1e-15, 1e-12 or 1e-7 are all fine here
        low, high = case.settings["within"]
        if not low <= got <= high:
            known = diagnose(got, M.wrong_losses(Y, Y_hat), HINTS, "")
            raise known if known.key else HINTS.mistake("loss_not_clipped")
        return
    expected = reference.cross_entropy_loss(Y, Y_hat)
    if not close(got, expected, "the loss", atol=1e-9):
        raise diagnose(got, M.wrong_losses(Y, Y_hat), HINTS,
                       "the loss is wrong: -(1/m) Σ Y log(clip(Y_hat, 1e-15, 1 - 1e-15)), m = Y.shape[0]")


# ----------------------------------------------------------------------------- compute_gradients

@per_inputs
def _numerical_gradients(reference, X, Y, weights, biases) -> dict:
    """The gradients of the reference loss, found without calculus."""
    L = len(weights)

    def loss(parameters):
        return reference.cross_entropy_loss(Y, reference.forward_propagation(X, parameters[:L], parameters[L:])[0])
    found = numerical_gradient(loss, [*weights, *biases])
    return {"dW": found[:L], "db": found[L:]}


@grader("compute_gradients", cases=[
    *FORWARD_CASES[:3],
    Case("dead_units", "L = 3, sizes [4, 5, 5, 3], m = 6, with pre-activations of exactly 0 in the hidden layers",
         lambda: C.with_dead_units(C.problem([4, 5, 5, 3], 6, 5), 5)),
    Case("gradient_check", "a numerical gradient check on a random network, L = 3, sizes [4, 6, 5, 3], m = 8",
         lambda: C.problem([4, 6, 5, 3], 8, 42), settings={"numerical": True}),
])
def test_compute_gradients(student, reference, case):
    inputs = case.inputs()
    X, Y, weights, biases = inputs["X"], inputs["Y"], inputs["weights"], inputs["biases"]
    cache = inputs.get("cache") or reference.forward_propagation(X, weights, biases)[1]  # trusted
    L = len(weights)
    dW, db = _pair(student.call("compute_gradients", weights, cache, Y), "compute_gradients", "dW, db")
    dW, db = expect_sequence(dW, L, "dW"), expect_sequence(db, L, "db")
    if case.settings.get("numerical"):
        expected, rtol = _numerical_gradients(reference, X, Y, weights, biases), 1e-4
    else:
        expected, rtol = dict(zip(("dW", "db"), reference.compute_gradients(weights, cache, Y))), 1e-6
    _expect({"dW": dW, "db": db}, expected, "", M.wrong_gradients(weights, cache, Y),
            "the gradients are wrong: follow dZ = A_L - Y back through every layer", rtol=rtol, atol=1e-9)


# ----------------------------------------------------------------------------- one_hot

def _one_hot_case(case_id, description, y, n_classes):
    return Case(case_id, description, lambda: {"y": np.array(y), "n_classes": n_classes})


@grader("one_hot", cases=[
    _one_hot_case("small", "y = [2, 0, 1, 2] with 3 classes", [2, 0, 1, 2], 3),
    _one_hot_case("unused_classes", "6 labels from 0 to 2 with n_classes = 5", [0, 2, 1, 1, 2, 0], 5),
    _one_hot_case("one_example", "a single label, 3, with 4 classes", [3], 4),
    Case("random_100", "100 random labels of 10 classes", lambda: {"y": C.labels(100, 10, 1), "n_classes": 10}),
])
def test_one_hot(student, reference, case):
    y, n_classes = case.inputs()["y"], case.inputs()["n_classes"]
    got = as_array(student.call("one_hot", y, n_classes), "the one-hot array")
    _expect(got, reference.one_hot(y, n_classes), "the one-hot array", M.wrong_one_hots(y, n_classes),
            "the one-hot rows are wrong: row i is all zeros but a 1 in column y[i]")


# ----------------------------------------------------------------------------- shuffles: preprocess_data, random_mini_batches

def _row_keys(rows: np.ndarray) -> list[bytes]:
    return [np.round(row, 6).tobytes() for row in np.asarray(rows, dtype=float)]


def _trace(rows: np.ndarray, lookup: dict[bytes, int], hint: str) -> np.ndarray:
    """The original index of every row; a row that is no original row raises ``hint``."""
    found = [lookup.get(key) for key in _row_keys(rows)]
    if any(index is None for index in found):
        raise HINTS.mistake(hint)
    return np.array(found, dtype=int)


def expect_partition(order: np.ndarray, m: int) -> None:
    if order.size and np.bincount(order, minlength=m).max() > 1:
        raise HINTS.mistake("examples_repeated")
    if order.size < m:
        raise HINTS.mistake("examples_missing")


def expect_shuffled(order: np.ndarray) -> None:
    """A fair shuffle, judged by statistics of the order, not by the order itself: the original
    order comes back for 1 in 10! shuffles of 10 examples, and a random permutation of m ≥ 30
    examples keeps about 2 of the m - 1 neighbouring pairs of the original order next to each
    other (Poisson); more than a quarter of them (and at least 6) has odds below 1e-6."""
    m = order.size
    if m >= 10 and np.array_equal(order, np.arange(m)):
        raise HINTS.mistake("not_shuffled")
    if m >= 30 and np.sum(np.abs(np.diff(order)) == 1) > max(5, (m - 1) / 4):
        raise HINTS.mistake("poorly_shuffled")


def expect_seeded(orders: dict[str, np.ndarray]) -> None:
    """Orders drawn with seeds "a", "b" and "a" again: two seeds, two orders; one seed, one order."""
    if np.array_equal(orders["a"], orders["b"]):
        raise HINTS.mistake("seed_ignored")
    if not np.array_equal(orders["a"], orders["again"]):
        raise HINTS.mistake("not_reproducible")


def _split_of(student, X, y, args: tuple, kwargs: dict) -> np.ndarray:
    """preprocess_data's answer checked for everything but the seed; the order it chose."""
    try:
        answer, after, _ = student.call_mutating("preprocess_data", X, y, *args, **kwargs)
    except StudentRaised as error:
        # With a label missing below the largest one, len(np.unique(y)) columns are too few for
        # Y[np.arange(m), y] = 1: the index error is that mistake's signature.
        if len(np.unique(y)) < int(y.max()) + 1 and str(error).startswith("IndexError"):
            raise HINTS.mistake("classes_from_unique") from None
        raise
    if not (isinstance(after[0], np.ndarray) and after[0].shape == X.shape and np.array_equal(after[0], X)):
        raise HINTS.mistake("input_changed")
    if not (isinstance(answer, (tuple, list)) and len(answer) == 4):
        raise Mistake("preprocess_data should return four arrays: X_train, Y_train, X_val, Y_val")
    X_train, Y_train, X_val, Y_val = (as_array(part, name) for part, name
                                      in zip(answer, ("X_train", "Y_train", "X_val", "Y_val")))
    settings = dict(zip(("validation_split", "seed", "max_value"), args)) | kwargs
    split, max_value = settings.get("validation_split", 0.2), settings.get("max_value", 16.0)
    m, n, n_classes = X.shape[0], X.shape[1], int(y.max()) + 1
    m_train = int(m * (1 - split))
    if X_train.ndim != 2 or X_val.ndim != 2 or X_train.shape[1:] != (n,) or X_val.shape[1:] != (n,):
        raise Mistake(f"X_train and X_val should be 2-D, with the {n} columns of X")
    if (X_train.shape[0], X_val.shape[0]) != (m_train, m - m_train):
        raise HINTS.mistake("split_sizes")
    for name, Y_part, rows in (("Y_train", Y_train, m_train), ("Y_val", Y_val, m - m_train)):
        if Y_part.shape == (rows, len(np.unique(y))) != (rows, n_classes):
            raise HINTS.mistake("classes_from_unique")
        if Y_part.shape != (rows, n_classes):
            raise Mistake(f"{name} should have shape ({rows}, {n_classes}): one-hot rows of int(y.max()) + 1 classes")
    rows, labels = np.vstack([X_train, X_val]), np.vstack([Y_train, Y_val])
    lookup = {key: index for index, key in enumerate(_row_keys(X))}
    scalings = {"not_scaled": 1.0, "scaled_by_255": 255.0, "scaled_by_data_max": float(X.max())}
    if any(key is None for key in map(lookup.get, _row_keys(rows * max_value))):
        for mistake, factor in scalings.items():
            if factor != max_value and all(map(lookup.__contains__, _row_keys(rows * factor))):
                raise HINTS.mistake(mistake)
    order = _trace(rows * max_value, lookup, "rows_changed")
    expect_partition(order, m)
    if not (np.all((labels == 0) | (labels == 1)) and np.all(labels.sum(axis=1) == 1)):
        raise Mistake("Y_train and Y_val should hold one-hot rows: a single 1 in the column of the label")
    if not np.array_equal(labels.argmax(axis=1), y[order]):
        raise HINTS.mistake("pairing_broken")
    if m - m_train >= 5 and set(order[m_train:]) == set(range(m_train, m)):
        raise HINTS.mistake("split_before_shuffle")
    expect_shuffled(order)
    return order


def _preprocess_case(case_id, description, data, args=(), kwargs=None, seeds=None, integers=False):
    def build():
        built = C.traceable(**data)
        if integers:
            built["X"] = built["X"].astype(np.int64)
        return built
    return Case(case_id, description, build, settings={"args": args, "kwargs": kwargs or {}, "seeds": seeds})


@grader("preprocess_data", uses=("one_hot",), cases=[
    _preprocess_case("digits_like", "120 examples of 64 pixels from 0 to 16, labels 0..9, the default arguments",
                     {"m": 120, "n": 64, "seed": 1, "data_max": 16, "n_classes": 10}),
    _preprocess_case("keywords", "37 examples, pixels up to 200, labels {0, 1, 2, 4}; validation_split=0.3, seed=5, "
                                 "max_value=255.0 by keyword",
                     {"m": 37, "n": 5, "seed": 2, "data_max": 200, "n_classes": 5, "skip_class": 3},
                     kwargs={"validation_split": 0.3, "seed": 5, "max_value": 255.0}),
    _preprocess_case("positional_integers", "60 examples as an integer array, arguments by position (X, y, 0.5, 3, 20.0)",
                     {"m": 60, "n": 4, "seed": 3, "data_max": 20, "n_classes": 3}, args=(0.5, 3, 20.0), integers=True),
    _preprocess_case("seeds", "80 examples split with seed=1, seed=2 and seed=1 again",
                     {"m": 80, "n": 6, "seed": 4, "data_max": 16, "n_classes": 4}, seeds=(1, 2)),
])
def test_preprocess_data(student, reference, case):
    X, y = case.inputs()["X"], case.inputs()["y"]
    args, kwargs, seeds = case.settings["args"], case.settings["kwargs"], case.settings["seeds"]
    if seeds is None:
        _split_of(student, X, y, args, kwargs)
        return
    a, b = seeds
    expect_seeded({"a": _split_of(student, X, y, (), {"seed": a}), "b": _split_of(student, X, y, (), {"seed": b}),
                   "again": _split_of(student, X, y, (), {"seed": a})})


def _batches_of(student, X, Y, args: tuple, kwargs: dict, batch_size: int) -> np.ndarray:
    """random_mini_batches' answer checked for everything but the seed; the order it chose."""
    answer = student.call("random_mini_batches", X, Y, *args, **kwargs)
    if not (isinstance(answer, (list, tuple)) and all(isinstance(b, (list, tuple)) and len(b) == 2 for b in answer)):
        raise Mistake("random_mini_batches should return a list of (X_batch, Y_batch) tuples")
    m = X.shape[0]
    batches = [(as_array(Xb, "each X_batch"), as_array(Yb, "each Y_batch")) for Xb, Yb in answer]
    for Xb, Yb in batches:
        if Xb.ndim != 2 or Xb.shape[1] != X.shape[1] or Yb.shape != (Xb.shape[0], Y.shape[1]):
            raise Mistake("each X_batch should have the columns of X, and its Y_batch one row per row of X_batch")
    sizes = [Xb.shape[0] for Xb, _ in batches]
    expected_sizes = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
    if sizes == [batch_size] * (m // batch_size) and m % batch_size:
        raise HINTS.mistake("last_batch_dropped")
    lookup = {key: index for index, key in enumerate(_row_keys(X))}
    order = _trace(np.vstack([Xb for Xb, _ in batches]), lookup, "rows_changed")
    expect_partition(order, m)
    if not np.allclose(np.vstack([Yb for _, Yb in batches]), Y[order]):
        raise HINTS.mistake("pairing_broken")
    if sizes != expected_sizes:
        default = "batch_size" not in kwargs and len(args) == 0
        raise HINTS.mistake("batch_size_default" if default and len(set(sizes[:-1])) == 1 else "batch_sizes")
    expect_shuffled(order)
    return order


def _batches_case(case_id, description, m, args=(), kwargs=None, batch_size=32, seeds=None, also_single=False):
    def build():
        rng = np.random.default_rng(m)
        return {"X": rng.normal(size=(m, 3)), "Y": np.eye(4)[C.labels(m, 4, m)]}
    return Case(case_id, description, build, settings={"args": args, "kwargs": kwargs or {}, "batch_size": batch_size,
                                                       "seeds": seeds, "also_single": also_single})


@grader("random_mini_batches", cases=[
    _batches_case("uneven", "100 examples in batches of 32 (the last holds 4), seed by default", 100,
                  kwargs={"batch_size": 32}),
    _batches_case("even_positional", "64 examples, random_mini_batches(X, Y, 16, 7): four full batches", 64,
                  args=(16, 7), batch_size=16),
    _batches_case("default_size", "70 examples with the default batch_size", 70, kwargs={"seed": 3}),
    _batches_case("one_batch", "10 examples with batch_size=64 (one batch), and a single example", 10,
                  kwargs={"batch_size": 64}, batch_size=64, also_single=True),
    _batches_case("seeds", "50 examples in batches of 8 with seed=1, seed=2 and seed=1 again", 50,
                  batch_size=8, seeds=(1, 2)),
])
def test_random_mini_batches(student, reference, case):
    X, Y = case.inputs()["X"], case.inputs()["Y"]
    settings = case.settings
    if settings["seeds"] is None:
        _batches_of(student, X, Y, settings["args"], settings["kwargs"], settings["batch_size"])
    else:
        a, b = settings["seeds"]
        size = settings["batch_size"]
        expect_seeded({name: _batches_of(student, X, Y, (), {"batch_size": size, "seed": seed}, size)
                       for name, seed in (("a", a), ("b", b), ("again", a))})
    if settings["also_single"]:
        _batches_of(student, X[:1], Y[:1], (), {"batch_size": 32}, 32)


# ----------------------------------------------------------------------------- MomentumOptimizer

OPTIMIZER = "MomentumOptimizer"
#: The rates a student may have used instead of the given ones: the defaults and common choices.
OTHER_RATES = {"learning_rate": [0.01, 0.1, 0.001, 0.05], "momentum": [0.9, 0.99, 0.5, 0.0]}


def _optimizer_case(case_id, description, sizes, seed, steps, rate, mu, args=(), kwargs=None, set_velocity=False):
    def build():
        p = C.network(sizes, seed)
        return {**p, "gradients": [C.gradients_like(p, seed + step) for step in range(steps)],
                "velocities": C.velocities_like(p, seed) if set_velocity else None}
    return Case(case_id, description, build,
                settings={"args": args, "kwargs": kwargs or {}, "learning_rate": rate, "momentum": mu})


@grader("MomentumOptimizer", target=f"{OPTIMIZER}.update", cases=[
    _optimizer_case("first_step", "MomentumOptimizer(learning_rate=0.1, momentum=0.9), one update of a network "
                                  "with L = 2: the velocities start at zero", [3, 4, 2], 1, 1, 0.1, 0.9,
                    kwargs={"learning_rate": 0.1, "momentum": 0.9}),
    _optimizer_case("three_steps", "MomentumOptimizer(0.05, 0.8), three updates of a network with L = 3, new "
                                   "gradients each time", [4, 5, 3, 2], 2, 3, 0.05, 0.8, args=(0.05, 0.8)),
    _optimizer_case("set_velocity", "MomentumOptimizer(learning_rate=0.2, momentum=0.5): after one update the grader "
                                    "sets velocity_w and velocity_b, then one more update", [5, 3, 4], 3, 2, 0.2, 0.5,
                    kwargs={"learning_rate": 0.2, "momentum": 0.5}, set_velocity=True),
    _optimizer_case("defaults", "MomentumOptimizer() with its defaults, two updates of a network with L = 1",
                    [6, 3], 4, 2, 0.01, 0.9),
])
def test_MomentumOptimizer(student, reference, case):
    inputs, settings = case.inputs(), case.settings
    steps, set_to = inputs["gradients"], inputs["velocities"]
    rate, mu = settings["learning_rate"], settings["momentum"]
    L = len(inputs["weights"])
    obj = student.new(OPTIMIZER, *settings["args"], **settings["kwargs"])
    current = start = {"weights": inputs["weights"], "biases": inputs["biases"]}
    for number, step in enumerate(steps, start=1):
        velocities, done = None, steps[:number]
        if set_to is not None and number == len(steps):  # the last update starts from the grader's state
            obj.set("velocity_w", set_to["velocity_w"])
            obj.set("velocity_b", set_to["velocity_b"])
            start, velocities, done = current, set_to, [step]
        _, after, _ = obj.call_mutating("update", current["weights"], current["biases"], step["dW"], step["db"])
        got = {"weights": _layers(after[0], L, "weights"), "biases": _layers(after[1], L, "biases")}
        expected = M.momentum_steps(start["weights"], start["biases"], done, rate, mu, velocities)
        if not _same(got, {key: expected[key] for key in got}):
            if _same(got, current):
                raise HINTS.mistake("weights_not_updated")
            wrong = M.wrong_momentum(start["weights"], start["biases"], done, rate, mu, velocities, OTHER_RATES)
            if velocities is not None:  # the set velocities were ignored: the object went on with its own
                kept = M.momentum_steps(inputs["weights"], inputs["biases"], steps, rate, mu)
                wrong["velocities_not_kept@set"] = {key: kept[key] for key in got}
            raise diagnose(got, wrong, HINTS, f"after update number {number} the weights are wrong: "
                                              "v = momentum * v - learning_rate * g, then w = w + v, for every layer")
        _expect_velocities(obj, L, expected, rate)
        current = got


def _expect_velocities(obj, L: int, expected: dict, rate: float) -> None:
    """The velocity attributes hold seed 002's v; other forms that give the same steps are named."""
    right = {name: expected[name] for name in ("velocity_w", "velocity_b")}
    got = {name: obj.get(name) for name in right}
    if _same(got, right):
        return
    others = {"velocity_other_form@negated": {k: [-v for v in vs] for k, vs in right.items()},
              "velocity_other_form@seed001": {k: [-v / rate for v in vs] for k, vs in right.items()}}
    found = diagnose(got, others, HINTS, "")
    raise found if found.key else HINTS.mistake("velocities_not_kept")


# ----------------------------------------------------------------------------- train_network

# The learning case: the graders' 80/20 split of the digits (1,437 training, 360 validation
# images), layer_sizes [64, 64, 10], 20 epochs of batches of 32 at learning rate 0.02 with
# momentum 0.9. Measured with the reference over training seeds 0..1999 (each seed a different
# start and different batches, which also stands for other honest ways of drawing them): 2,000 of
# 2,000 runs reach 95% validation accuracy (lowest 95.8%, 1st percentile 96.7%, median 98.3%).
# Loops that draw differently pass too, 300 seeds each: never reshuffling (seed 002's loop,
# lowest 96.9%), one shuffle reused every epoch (95.8%), other batch seeds (95.6%). About 0.1 s
# per run unloaded, 0.25 s in the sandbox on the shared 2-core machine. Cheaper settings had no
# margin: batches of 64 at 0.05 (2,000 of 2,000, lowest exactly 95.0%), 15 epochs of 32 at 0.02
# (lowest 95.0% of 1,000), 10 epochs of 32 at 0.1 with 32 hidden units (11 of 500 below).
DIGITS_SIZES, DIGITS_EPOCHS, DIGITS_BATCH, DIGITS_RATE, DIGITS_MOMENTUM, DIGITS_BAR = [64, 64, 10], 20, 32, 0.02, 0.9, 0.95
SMALL_SIZES, SMALL_M = [64, 8, 10], 40


def _trained(student, X, Y, sizes, *args, **kwargs) -> tuple[list, list, list]:
    """train_network's answer, checked for shape: (weights, biases, losses)."""
    answer = student.call("train_network", X, Y, sizes, *args, **kwargs)
    if not (isinstance(answer, (tuple, list)) and len(answer) == 3):
        raise HINTS.mistake("train_returns")
    weights, biases, history = answer
    if not (isinstance(history, dict) and "loss" in history):
        raise HINTS.mistake("train_returns")
    L = len(sizes) - 1
    weights, biases = _layers(weights, L, "the weights train_network returns"), _layers(biases, L, "the biases")
    shapes = [(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    if [W.shape for W in weights] != shapes or [b.shape for b in biases] != [(1, b) for _, b in shapes]:
        raise Mistake(f"for layer_sizes {sizes} train_network should return weights of shapes {shapes} and bias rows")
    if any(not np.all(np.isfinite(W)) for W in weights):
        raise Mistake("the weights train_network returns contain nan or inf: the training diverged")
    losses = history["loss"]
    if not isinstance(losses, (list, tuple)):
        losses = as_array(losses, "history['loss']").ravel().tolist()
    return weights, biases, [as_number(loss, "each entry of history['loss']") for loss in losses]


def _start(student, X, Y, sizes, seed) -> tuple[list, list]:
    """The weights train_network starts from: one epoch at learning rate 0 changes nothing."""
    weights, biases, _ = _trained(student, X, Y, sizes, epochs=1, batch_size=len(X) * 2, learning_rate=0.0, seed=seed)
    if all(np.all(W == W.flat[0]) for W in weights):
        raise HINTS.mistake("train_not_initialised")
    return weights, biases


def full_batch_run(reference, X, Y, weights, biases, epochs, learning_rate, momentum, fresh_optimizer=False,
                   loss_after=False, loss_factor=1.0) -> dict:
    """What train_network does when one batch holds every example: one step of gradient descent
    with momentum per epoch, from the given start; the loss of each epoch is measured before its
    step. The options give the answers of realistic mistakes."""
    weights, biases, velocities, losses = [W.copy() for W in weights], [b.copy() for b in biases], None, []
    for _ in range(epochs):
        Y_hat, cache = reference.forward_propagation(X, weights, biases)
        losses.append(reference.cross_entropy_loss(Y, Y_hat) * loss_factor)
        dW, db = reference.compute_gradients(weights, cache, Y)
        step = M.momentum_steps(weights, biases, [{"dW": dW, "db": db}], learning_rate, momentum,
                                None if fresh_optimizer else velocities)
        weights, biases = step["weights"], step["biases"]
        velocities = {"velocity_w": step["velocity_w"], "velocity_b": step["velocity_b"]}
        if loss_after:
            losses[-1] = reference.cross_entropy_loss(Y, reference.forward_propagation(X, weights, biases)[0])
    return {"weights": weights, "biases": biases, "losses": losses}


def _train_case(case_id, description, kind, weight=1.0):
    build = (lambda: C.digits_split()) if kind == "learns" else (lambda: C.digits_subset(SMALL_M, 1))
    return Case(case_id, description, build, weight=weight, settings={"kind": kind})


@grader("train_network", uses=("initialize_network", "forward_propagation", "cross_entropy_loss",
                               "compute_gradients", "random_mini_batches", "MomentumOptimizer"), cases=[
    _train_case("full_batch_momentum", f"{SMALL_M} digits, layer_sizes {SMALL_SIZES}, batch_size=64 (one batch "
                                       "per epoch), 3 epochs at learning_rate=0.5, momentum=0.5: the weights and "
                                       "losses of three steps of gradient descent with momentum", "full_batch"),
    _train_case("epoch_average", f"{SMALL_M} digits in batches of 16, 16 and 8 at learning_rate=0: every epoch's "
                                 "loss is the mean loss per example", "average"),
    _train_case("seeds", f"{SMALL_M} digits, train_network(X, Y, sizes, 2, 16, 0.5, 0.5, seed) with seeds 1, 2 "
                         "and 1 again: two seeds, two networks; one seed, one network", "seeds"),
    _train_case("learns_digits", f"1,437 digits, layer_sizes {DIGITS_SIZES}, {DIGITS_EPOCHS} epochs of batches of "
                                 f"{DIGITS_BATCH} at learning_rate={DIGITS_RATE}, momentum={DIGITS_MOMENTUM}: "
                                 f"at least {DIGITS_BAR:.0%} accuracy on 360 validation digits", "learns", weight=2),
])
def test_train_network(student, reference, case):
    data, kind = case.inputs(), case.settings["kind"]
    if kind == "learns":
        _expect_learns(student, reference, data)
        return
    X, Y = data["X"], data["Y"]
    if kind == "seeds":
        runs = {name: _trained(student, X, Y, SMALL_SIZES, 2, 16, 0.5, 0.5, seed)[0]
                for name, seed in (("a", 1), ("b", 2), ("again", 1))}
        if all(close(W, V) for W, V in zip(runs["a"], runs["b"])):
            raise HINTS.mistake("train_seed_ignored")
        if not all(close(W, V, rtol=1e-9, atol=1e-12) for W, V in zip(runs["a"], runs["again"])):
            raise HINTS.mistake("train_not_reproducible")
        return
    start_w, start_b = _start(student, X, Y, SMALL_SIZES, seed=3)
    if kind == "average":
        weights, biases, losses = _trained(student, X, Y, SMALL_SIZES, epochs=2, batch_size=16, learning_rate=0.0,
                                           momentum=0.5, seed=3)
        if len(losses) != 2:
            raise HINTS.mistake("train_history_length")
        if not all(close(W, V, rtol=1e-9, atol=1e-12) for W, V in zip(weights + biases, start_w + start_b)):
            raise HINTS.mistake("train_learning_rate_ignored")
        full = reference.cross_entropy_loss(Y, reference.forward_propagation(X, weights, biases)[0])
        if not close(np.array(losses), np.array([full] * 2), "history['loss']", rtol=1e-6):
            raise HINTS.mistake("train_epoch_average")
        return
    epochs, rate, mu = 3, 0.5, 0.5
    weights, biases, losses = _trained(student, X, Y, SMALL_SIZES, epochs=epochs, batch_size=64, learning_rate=rate,
                                       momentum=mu, seed=3)
    if len(losses) != epochs:
        raise HINTS.mistake("train_history_length")
    got = {"weights": weights, "biases": biases, "losses": losses}
    expected = full_batch_run(reference, X, Y, start_w, start_b, epochs, rate, mu)
    if _same(got, expected):
        return
    wrong = {"train_optimizer_recreated": full_batch_run(reference, X, Y, start_w, start_b, epochs, rate, mu,
                                                         fresh_optimizer=True)}
    for used_rate, used_mu in ((rate, 0.9), (0.1, mu), (0.1, 0.9), (0.01, mu), (0.01, 0.9)):  # defaults of the two
        key = "train_momentum_ignored" if used_rate == rate else f"train_learning_rate_ignored@{used_rate},{used_mu}"
        wrong[key] = full_batch_run(reference, X, Y, start_w, start_b, epochs, used_rate, used_mu)
    params = {"weights": weights, "biases": biases}
    found = diagnose(params, {k: {"weights": v["weights"], "biases": v["biases"]} for k, v in wrong.items()}, HINTS, "")
    if found.key:
        raise found
    if _same(params, {key: expected[key] for key in params}):  # the steps are right, the recorded losses are not
        losses_of = {"train_epoch_average": full_batch_run(reference, X, Y, start_w, start_b, epochs, rate, mu,
                                                           loss_factor=64 / len(X))["losses"],
                     "train_loss_after_update": full_batch_run(reference, X, Y, start_w, start_b, epochs, rate, mu,
                                                               loss_after=True)["losses"]}
        raise diagnose(losses, losses_of, HINTS, "history['loss'] is wrong: with one batch per epoch it is the loss "
                                                 "of that batch, measured before the epoch's update")
    raise Mistake(f"after {epochs} one-batch epochs the weights differ from {epochs} steps of gradient descent with "
                  "momentum: every batch needs the forward pass, the gradients and optimizer.update", "train_not_learning")


def _expect_learns(student, reference, data) -> None:
    weights, biases, losses = _trained(student, data["X_train"], data["Y_train"], DIGITS_SIZES, epochs=DIGITS_EPOCHS,
                                       batch_size=DIGITS_BATCH, learning_rate=DIGITS_RATE,
                                       momentum=DIGITS_MOMENTUM, seed=0)
    if len(losses) != DIGITS_EPOCHS:
        raise HINTS.mistake("train_history_length")
    accuracy = float(np.mean(reference.predict(data["X_val"], weights, biases) == data["y_val"]))
    if accuracy < DIGITS_BAR or not np.all(np.isfinite(losses)) or not losses[-1] < losses[0]:
        raise Mistake(f"validation accuracy {accuracy:.1%} after training, below {DIGITS_BAR:.0%} (or the loss did not "
                      "fall): every batch needs the forward pass, the gradients and optimizer.update", "train_not_learning")


# ----------------------------------------------------------------------------- predict

def _predict_case(sizes, m, seed, description, force_class=None):
    def build():
        p = C.problem(sizes, m, seed)
        if force_class is not None:  # a single example predicted as a class other than 0 and 1
            p["biases"][-1][0, force_class] += 100.0
        return {"X": p["X"] * 2, "weights": p["weights"], "biases": p["biases"]}
    return Case(f"L{len(sizes) - 1}_m{m}", description, build)


@grader("predict", uses=("forward_propagation",), cases=[
    _predict_case([5, 4], 30, 1, "one layer, sizes [5, 4], m = 30"),
    _predict_case([6, 8, 5, 4], 25, 2, "L = 3, sizes [6, 8, 5, 4], m = 25"),
    _predict_case([3, 4, 5], 1, 3, "a single example, sizes [3, 4, 5]", force_class=3),
    _predict_case([64, 16, 10], 50, 4, "the digits' shapes, sizes [64, 16, 10], m = 50"),
])
def test_predict(student, reference, case):
    X, weights, biases = (case.inputs()[key] for key in ("X", "weights", "biases"))
    got = as_array(student.call("predict", X, weights, biases), "the predictions")
    expected = np.asarray(reference.predict(X, weights, biases))
    probabilities = reference.forward_propagation(X, weights, biases)[0]
    m, n_classes = probabilities.shape
    if got.shape == (m, n_classes):
        if close(got, probabilities):
            raise HINTS.mistake("predict_probabilities")
        if close(got, np.eye(n_classes)[expected]):
            raise HINTS.mistake("predict_one_hot")
    if got.shape == (m, 1):
        raise HINTS.mistake("predict_column")
    if got.shape == (n_classes,) and m != n_classes:
        raise HINTS.mistake("predict_axis0")
    if got.shape != (m,):
        raise Mistake(f"the predictions have shape {got.shape}, expected one label per example, (m,) = ({m},)")
    if close(got, probabilities.max(axis=1)) and not close(got, expected):
        raise HINTS.mistake("predict_max")
    if not np.array_equal(got.astype(float), expected.astype(float)):
        raise Mistake("some predicted labels are wrong: the class of each example is the argmax of its row of "
                      "probabilities")


# ----------------------------------------------------------------------------- evaluate

EVALUATE_KEYS = ["accuracy", "confusion_matrix", "precision", "recall"]


def _evaluate_case(case_id, description, n_classes, **options):
    return Case(case_id, description, lambda: {**C.predictions(n_classes=n_classes, **options), "n_classes": n_classes})


@grader("evaluate", cases=[
    _evaluate_case("digits_like", "200 labels of 10 classes, about 80% right", 10, m=200, seed=1, accuracy=0.8),
    _evaluate_case("empty_classes", "12 labels, n_classes = 5: classes 3 and 4 never occur, class 4 is never "
                                    "predicted", 5, m=12, seed=2, accuracy=0.5, true_classes=[0, 1, 2],
                   predicted_classes=[0, 1, 2, 3]),
    Case("one_example", "a single example, wrongly predicted, with 3 classes",
         lambda: {"y_true": np.array([2]), "y_pred": np.array([1]), "n_classes": 3}),
    _evaluate_case("unused_classes", "20 labels of classes 0..3 with n_classes = 6", 6, m=20, seed=3, accuracy=0.7,
                   true_classes=[0, 1, 2, 3], predicted_classes=[0, 1, 2, 3]),
])
def test_evaluate(student, reference, case):
    y_true, y_pred, n_classes = (case.inputs()[key] for key in ("y_true", "y_pred", "n_classes"))
    got = expect_dict(student.call("evaluate", y_true, y_pred, n_classes), EVALUATE_KEYS, "evaluate's answer")
    right = reference.evaluate(y_true, y_pred, n_classes)
    answer = {"accuracy": as_number(got["accuracy"], "accuracy"),
              **{key: as_array(got[key], key) for key in EVALUATE_KEYS[1:]}}
    matrix = answer["confusion_matrix"]
    if matrix.shape != (n_classes, n_classes):
        largest = int(max(y_true.max(), y_pred.max())) + 1
        if matrix.shape == (largest, largest):
            raise HINTS.mistake("confusion_n_classes_ignored")
        raise Mistake(f"the confusion matrix has shape {matrix.shape}, expected (n_classes, n_classes)")
    for key in ("precision", "recall"):
        if answer[key].shape == (n_classes,) and np.any(np.isnan(answer[key].astype(float))):
            raise HINTS.mistake("nan_for_empty_class")
    if _same(answer, right):
        return
    found = diagnose(answer, M.wrong_evaluations(y_true, y_pred, n_classes, right), HINTS, "")
    if found.key:
        raise found
    for key in EVALUATE_KEYS:
        if not _same(answer[key], right[key]):
            raise Mistake({"accuracy": "the accuracy is wrong: the share of examples with y_pred == y_true",
                           "confusion_matrix": "the confusion matrix is wrong: entry [t, p] counts the examples of "
                                               "true class t predicted as p",
                           "precision": "precision is wrong: the diagonal divided by the column sums",
                           "recall": "recall is wrong: the diagonal divided by the row sums"}[key])

