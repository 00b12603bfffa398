"""Realistic wrong answers (mutants) and honest variants of the regularization exercises.

Each entry replaces one function, or one whole class (LearningRateScheduler, EarlyStopping),
with the key of the mistake the graders must name (mistakes.HINTS); an honest variant is
correct code in another style, which must keep full marks.
"""
from mutants import Variant


def _penalty(body: str) -> str:
    return f"\ndef l2_penalty(weights, l2_lambda):\n    return {body}"


def _l2_grads(body: str) -> str:
    return f"\ndef add_l2_gradients(dW, weights, l2_lambda):\n    return {body}"


def _dropout(mask="rng.random(A.shape) < keep", out="A * mask / keep", returned="out, mask") -> str:
    return f"""
def dropout_forward(A, rate, rng):
    keep = 1 - rate
    mask = ({mask}).astype(float)
    out = {out}
    return {returned}"""


def _dropout_backward(body: str) -> str:
    return f"\ndef dropout_backward(dA, mask, rate):\n    return {body}"


def _bn_forward(mean="np.mean(Z, axis=0, keepdims=True)", var="np.var(Z, axis=0, keepdims=True)",
                Z_hat="(Z - mean) / np.sqrt(var + epsilon)", out="gamma * Z_hat + beta", kept_var="var",
                signature="epsilon=1e-5") -> str:
    return f"""
def batchnorm_forward(Z, gamma, beta, {signature}):
    mean = {mean}
    var = {var}
    Z_hat = {Z_hat}
    out = {out}
    return out, {{"Z": Z, "Z_hat": Z_hat, "mean": mean, "var": {kept_var}, "gamma": gamma, "epsilon": epsilon}}"""


def _bn_backward(dZ="(m * dZ_hat - dZ_hat.sum(axis=0, keepdims=True) - Z_hat * (dZ_hat * Z_hat).sum(axis=0, "
                    "keepdims=True)) / (m * np.sqrt(var + eps))",
                 dgamma="np.sum(dout * Z_hat, axis=0, keepdims=True)", dbeta="np.sum(dout, axis=0, keepdims=True)",
                 dZ_hat="dout * gamma", m="dout.shape[0]") -> str:
    return f"""
def batchnorm_backward(dout, cache):
    Z_hat, var, gamma, eps = cache["Z_hat"], cache["var"], cache["gamma"], cache["epsilon"]
    m = {m}
    dZ_hat = {dZ_hat}
    dZ = {dZ}
    return dZ, {dgamma}, {dbeta}"""


def _scheduler(improved="current_loss < self.best", on_improvement="self.best = current_loss\n            self.wait = 0",
               reached="self.wait >= self.patience", reduce="self.lr *= self.factor\n                self.wait = 0",
               start="initial_lr", returned="self.lr") -> str:
    return f"""
class LearningRateScheduler:
    def __init__(self, initial_lr=0.01, patience=3, factor=0.5):
        self.lr = {start}
        self.patience, self.factor = patience, factor
        self.best, self.previous, self.wait = float("inf"), float("inf"), 0

    def update(self, current_loss):
        old = self.lr
        if {improved}:
            {on_improvement}
        else:
            self.wait += 1
            if {reached}:
                {reduce}
        self.previous = current_loss
        return {returned}"""


def _stopper(improved="val_loss < self.best_loss - self.min_delta",
             on_improvement="self.best_loss = val_loss\n            self.best_epoch = self.calls\n            self.wait = 0",
             otherwise="self.wait += 1", stop="self.wait >= self.patience") -> str:
    return f"""
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.wait, self.calls = float("inf"), 0, 0, 0

    def should_stop(self, val_loss):
        if {improved}:
            {on_improvement}
        else:
            {otherwise}
        self.calls += 1
        return {stop}"""


def _noise(body: str) -> str:
    return f"\ndef add_noise(images, std, rng):\n    return {body}"


_ROLL_THEN_ZERO = """
def shift_images(images, dx, dy):
    out = np.roll(images, (dy, dx), axis=(1, 2))
    if dx > 0:
        out[:, :, :dx] = 0
    {else_x}
    if dy > 0:
        out[:, :dy, :] = 0
    elif dy < 0:
        out[:, dy:, :] = 0
    return out"""


_TRAIN = '''
def train_regularized(X_train, Y_train, X_val, Y_val, layer_sizes, l2_lambda=0.0, dropout_rate=0.0,
                      epochs=150, learning_rate=0.5, seed=0):
    rng = {rng}
    L = len(layer_sizes) - 1
    weights = [{init} for l in range(L)]
    biases = [np.zeros((1, layer_sizes[l + 1])) for l in range(L)]
    history = {{"train_loss": [], "val_loss": [], "val_accuracy": []}}
    m = X_train.shape[0]
    for epoch in range(epochs):
        A, Z, masks = [X_train], [None], [None]
        for l in range(L):
            Z.append(A[l] @ weights[l] + biases[l])
            if l == L - 1:
                A.append(softmax(Z[-1]))
                masks.append(None)
            elif {dropout_on}:
                A_dropped, mask = dropout_forward(relu(Z[-1]), dropout_rate, rng)
                A.append(A_dropped)
                masks.append(mask)
            else:
                A.append(relu(Z[-1]))
                masks.append(None)
        dW, db = [None] * L, [None] * L
        dZ = (A[L] - Y_train) / m
        for l in reversed(range(L)):
            dW[l] = A[l].T @ dZ
            db[l] = np.sum(dZ, axis=0, keepdims=True)
            if l > 0:
                dA = dZ @ weights[l].T
                if masks[l] is not None:
                    dA = dropout_backward(dA, masks[l], dropout_rate)
                dZ = dA * (Z[l] > 0)
        {l2}
        {record_before}
        weights = [W - learning_rate * dW_l for W, dW_l in zip(weights, dW)]
        biases = [b - learning_rate * db_l for b, db_l in zip(biases, db)]
        {record_after}
    return weights, biases, history'''

_RECORD = '''Y_hat_val = {val}
        history["train_loss"].append(cross_entropy(Y_train, {train}){penalty})
        history["val_loss"].append(cross_entropy(Y_val, Y_hat_val))
        history["val_accuracy"].append({scale}accuracy(Y_val, Y_hat_val))'''


def _record(val="predict_proba(X_val, weights, biases)", train="predict_proba(X_train, weights, biases)",
            penalty="", scale="") -> str:
    return _RECORD.format(val=val, train=train, penalty=penalty, scale=scale)


def _train(rng="np.random.default_rng(seed)",
           init="rng.standard_normal((layer_sizes[l], layer_sizes[l + 1])) * np.sqrt(2.0 / layer_sizes[l])",
           dropout_on="dropout_rate > 0", l2="dW = add_l2_gradients(dW, weights, l2_lambda)",
           record_before="", record_after=None) -> str:
    return _TRAIN.format(rng=rng, init=init, dropout_on=dropout_on, l2=l2, record_before=record_before,
                         record_after=_record() if record_after is None else record_after)


MUTANTS = [
    # l2_penalty
    Variant("penalty_without_half", "l2_penalty", _penalty("l2_lambda * sum(np.sum(W ** 2) for W in weights)"),
            "l2_no_half"),
    Variant("penalty_l1", "l2_penalty", _penalty("l2_lambda / 2 * sum(np.sum(np.abs(W)) for W in weights)"), "l2_abs"),
    Variant("penalty_norms_not_squared", "l2_penalty",
            _penalty("l2_lambda / 2 * sum(np.linalg.norm(W) for W in weights)"), "l2_norm_not_squared"),
    Variant("penalty_returns_in_loop", "l2_penalty", """
def l2_penalty(weights, l2_lambda):
    total = 0.0
    for W in weights:
        total += np.sum(W ** 2)
        return l2_lambda / 2 * total""", "l2_one_layer"),
    # add_l2_gradients
    Variant("l2_gradient_doubled", "add_l2_gradients", _l2_grads("[d + 2 * l2_lambda * W for d, W in zip(dW, weights)]"),
            "l2_grad_double"),
    Variant("l2_gradient_subtracted", "add_l2_gradients",
            _l2_grads("[d - l2_lambda * W for d, W in zip(dW, weights)]"), "l2_grad_sign"),
    Variant("l2_gradient_alone", "add_l2_gradients", _l2_grads("[l2_lambda * W for W in weights]"),
            "l2_grad_only_penalty"),
    Variant("l2_gradient_last_layer_only", "add_l2_gradients",
            _l2_grads("dW[:-1] + [dW[-1] + l2_lambda * weights[-1]]"), "l2_grad_one_layer"),
    # dropout_forward
    Variant("dropout_scaled_by_rate", "dropout_forward", _dropout(out="A * mask / rate if rate > 0 else A * mask"),
            "dropout_scale_by_rate"),
    Variant("dropout_not_scaled", "dropout_forward", _dropout(out="A * mask"), "dropout_no_scaling"),
    Variant("mask_keeps_with_rate", "dropout_forward", _dropout(mask="rng.random(A.shape) < rate"),
            "mask_keeps_rate"),
    Variant("mask_one_row_for_all_examples", "dropout_forward",
            _dropout(mask="rng.random(A.shape[1]) < keep"), "mask_shape"),
    Variant("mask_tiled_over_examples", "dropout_forward",
            _dropout(mask="np.tile(rng.random((1, A.shape[1])) < keep, (A.shape[0], 1))"), "mask_shared"),
    Variant("mask_from_global_state", "dropout_forward", _dropout(mask="np.random.rand(*A.shape) < keep"),
            "dropout_ignores_rng"),
    Variant("mask_from_fresh_generator", "dropout_forward",
            _dropout(mask="np.random.default_rng().random(A.shape) < keep"), "dropout_unseeded"),
    Variant("mask_returned_scaled", "dropout_forward", _dropout(out="A * mask / keep", returned="out, mask / keep"),
            "mask_scaled"),
    # dropout_backward
    Variant("dropout_backward_not_scaled", "dropout_backward", _dropout_backward("dA * mask"),
            "dropout_backward_no_scaling"),
    Variant("dropout_backward_by_rate", "dropout_backward",
            _dropout_backward("dA * mask / rate if rate > 0 else dA * mask"), "dropout_backward_scale_by_rate"),
    Variant("dropout_backward_without_mask", "dropout_backward", _dropout_backward("dA / (1 - rate)"),
            "dropout_backward_no_mask"),
    # batchnorm_forward
    Variant("batchnorm_over_features", "batchnorm_forward",
            _bn_forward(mean="np.mean(Z, axis=1, keepdims=True)", var="np.var(Z, axis=1, keepdims=True)"), "bn_axis",
            also=("bn_global",)),
    Variant("batchnorm_unbiased_variance", "batchnorm_forward", _bn_forward(var="np.var(Z, axis=0, keepdims=True, ddof=1)"),
            "bn_unbiased", also=("bn_no_epsilon",)),
    Variant("batchnorm_epsilon_outside_root", "batchnorm_forward",
            _bn_forward(Z_hat="(Z - mean) / (np.sqrt(var) + epsilon)"), "bn_eps_outside"),
    Variant("batchnorm_without_epsilon", "batchnorm_forward", _bn_forward(Z_hat="(Z - mean) / np.sqrt(var)"),
            "bn_no_epsilon", also=("bn_epsilon_ignored",)),
    Variant("batchnorm_gamma_beta_swapped", "batchnorm_forward", _bn_forward(out="beta * Z_hat + gamma"),
            "bn_gamma_beta_swapped"),
    Variant("batchnorm_without_scale_and_shift", "batchnorm_forward", _bn_forward(out="Z_hat"), "bn_no_affine"),
    Variant("batchnorm_caches_std", "batchnorm_forward", _bn_forward(kept_var="np.sqrt(var)"), "bn_std_in_cache"),
    # batchnorm_backward
    Variant("batchnorm_backward_swapped", "batchnorm_backward",
            _bn_backward(dgamma="np.sum(dout, axis=0, keepdims=True)",
                         dbeta="np.sum(dout * Z_hat, axis=0, keepdims=True)"), "bn_param_grads_swapped"),
    Variant("batchnorm_backward_dgamma_without_z_hat", "batchnorm_backward",
            _bn_backward(dgamma="np.sum(dout, axis=0, keepdims=True)"), "bn_dgamma_no_zhat"),
    Variant("batchnorm_backward_statistics_constant", "batchnorm_backward",
            _bn_backward(dZ="dZ_hat / np.sqrt(var + eps)"), "bn_stats_constant"),
    Variant("batchnorm_backward_no_variance_term", "batchnorm_backward",
            _bn_backward(dZ="(m * dZ_hat - dZ_hat.sum(axis=0, keepdims=True)) / (m * np.sqrt(var + eps))"),
            "bn_missing_variance_term"),
    Variant("batchnorm_backward_without_gamma", "batchnorm_backward", _bn_backward(dZ_hat="dout"), "bn_dZ_no_gamma"),
    Variant("batchnorm_backward_flat_parameter_gradients", "batchnorm_backward",
            _bn_backward(dgamma="np.sum(dout * Z_hat, axis=0)", dbeta="np.sum(dout, axis=0)"), "bn_param_grads_shape"),
    # LearningRateScheduler
    Variant("scheduler_wait_kept_after_reduction", "LearningRateScheduler",
            _scheduler(reduce="self.lr *= self.factor"), "sched_wait_kept"),
    Variant("scheduler_reduces_at_first_stall", "LearningRateScheduler",
            _scheduler(reached="self.wait >= 1"), "sched_no_patience"),
    Variant("scheduler_ties_improve", "LearningRateScheduler", _scheduler(improved="current_loss <= self.best"),
            "sched_ties"),
    Variant("scheduler_wait_never_reset", "LearningRateScheduler",
            _scheduler(on_improvement="self.best = current_loss"), "sched_wait_not_reset"),
    Variant("scheduler_compares_previous_loss", "LearningRateScheduler",
            _scheduler(improved="current_loss < self.previous"), "sched_previous_loss"),
    Variant("scheduler_returns_rate_before_reduction", "LearningRateScheduler", _scheduler(returned="old"),
            "sched_old_rate"),
    Variant("scheduler_ignores_initial_lr", "LearningRateScheduler", _scheduler(start="0.01"), "sched_initial_lr"),
    Variant("scheduler_subtracts_factor", "LearningRateScheduler",
            _scheduler(reduce="self.lr *= 1 - self.factor\n                self.wait = 0"), "sched_factor"),
    # EarlyStopping
    Variant("stopping_counts_improvements", "EarlyStopping", _stopper(
        on_improvement="self.best_loss = val_loss\n            self.best_epoch = self.calls\n            self.wait += 1",
        otherwise="self.wait = 0"), "es_counts_improvements"),
    Variant("stopping_never_resets", "EarlyStopping", _stopper(
        on_improvement="self.best_loss = val_loss\n            self.best_epoch = self.calls"), "es_no_reset"),
    Variant("stopping_ties_improve", "EarlyStopping", _stopper(improved="val_loss <= self.best_loss - self.min_delta"),
            "es_ties"),
    Variant("stopping_without_min_delta", "EarlyStopping", _stopper(improved="val_loss < self.best_loss"),
            "es_min_delta_ignored"),
    Variant("stopping_min_delta_added", "EarlyStopping", _stopper(improved="val_loss < self.best_loss + self.min_delta"),
            "es_min_delta_side"),
    Variant("stopping_best_follows_every_fall", "EarlyStopping", _stopper(
        otherwise="self.wait += 1\n            self.best_loss = min(self.best_loss, val_loss)"), "es_best_moves"),
    Variant("stopping_best_epoch_counts_from_one", "EarlyStopping", _stopper(
        on_improvement="self.best_loss = val_loss\n            self.best_epoch = self.calls + 1\n"
                       "            self.wait = 0"), "es_best_epoch_one_based"),
    # add_noise
    Variant("noise_not_clipped", "add_noise", _noise("images + rng.normal(0, std, size=images.shape)"),
            "noise_not_clipped"),
    Variant("noise_from_global_state", "add_noise", _noise("np.clip(images + np.random.normal(0, std, images.shape), 0, 1)"),
            "noise_ignores_rng"),
    Variant("noise_variance_as_scale", "add_noise", _noise("np.clip(images + rng.normal(0, std ** 2, images.shape), 0, 1)"),
            "noise_variance"),
    Variant("noise_one_pattern_for_all_images", "add_noise",
            _noise("np.clip(images + rng.normal(0, std, images.shape[1:]), 0, 1)"), "noise_shared"),
    # shift_images
    Variant("shift_with_roll", "shift_images", "\ndef shift_images(images, dx, dy):\n"
            "    return np.roll(images, (dy, dx), axis=(1, 2))", "shift_wraps"),
    Variant("shift_axes_swapped", "shift_images", """
def shift_images(images, dx, dy):
    m, h, w = images.shape
    out = np.zeros_like(images)
    for r in range(h):
        for c in range(w):
            if 0 <= r - dx < h and 0 <= c - dy < w:
                out[:, r, c] = images[:, r - dx, c - dy]
    return out""", "shift_axes"),
    Variant("shift_zero_blanks_everything", "shift_images",
            _ROLL_THEN_ZERO.replace("{else_x}", "elif dx <= 0:\n        out[:, :, dx:] = 0"), "shift_zero",
            also=("shift_too_far",)),
    Variant("shift_opposite_direction", "shift_images", """
def shift_images(images, dx, dy):
    return shift_right_down(images, -dx, -dy)


def shift_right_down(images, dx, dy):
    m, h, w = images.shape
    out = np.zeros_like(images)
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[:, r, c] = images[:, r - dy, c - dx]
    return out""", "shift_direction"),
    # train_regularized
    Variant("train_without_l2", "train_regularized", _train(l2="pass"), "train_l2_ignored", also=("train_l2_no_effect",)),
    Variant("train_l2_over_m", "train_regularized", _train(l2="dW = add_l2_gradients(dW, weights, l2_lambda / m)"),
            "train_l2_over_m", also=("train_l2_no_effect",)),
    Variant("train_without_dropout", "train_regularized", _train(dropout_on="False"), "train_dropout_ignored",
            also=("train_dropout_no_effect",)),
    Variant("train_history_before_update", "train_regularized", _train(record_before=_record(), record_after=""),
            "train_history_before_update"),
    Variant("train_history_with_penalty", "train_regularized",
            _train(record_after=_record(penalty=" + l2_penalty(weights, l2_lambda)")), "train_history_penalty"),
    Variant("train_init_small", "train_regularized",
            _train(init="rng.standard_normal((layer_sizes[l], layer_sizes[l + 1])) * 0.01"), "weights_scale",
            also=("train_not_learning", "train_l2_no_effect", "train_dropout_no_effect")),
    Variant("train_init_global_state", "train_regularized",
            _train(init="np.random.randn(layer_sizes[l], layer_sizes[l + 1]) * np.sqrt(2.0 / layer_sizes[l])"),
            "train_seed_ignored"),
]

HONEST = [
    Variant("penalty_by_einsum_and_ravel", "l2_penalty", """
def l2_penalty(weights, l2_lambda):
    total = 0
    for W in weights:
        flat = W.ravel()
        total = total + np.einsum("i,i->", flat, flat)
    return 0.5 * l2_lambda * total"""),
    Variant("l2_gradients_in_place", "add_l2_gradients", """
def add_l2_gradients(dW, weights, l2_lambda):
    for l in range(len(dW)):
        dW[l] += l2_lambda * weights[l]
    return dW"""),
    Variant("mask_binomial_ints", "dropout_forward", """
def dropout_forward(A, rate, rng):
    mask = rng.binomial(1, 1 - rate, size=A.shape)
    return A * mask / (1 - rate), mask"""),
    Variant("mask_uniform_bool_in_place", "dropout_forward", """
def dropout_forward(A, rate, rng):
    mask = rng.uniform(size=A.shape) >= rate
    A *= mask
    A /= 1 - rate
    return A, mask"""),
    Variant("batchnorm_flat_statistics", "batchnorm_forward", """
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mean = Z.mean(axis=0)
    var = Z.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    Z_hat = (Z - mean) * inv_std
    return Z_hat * gamma + beta, dict(Z=Z, Z_hat=Z_hat, mean=mean, var=var, gamma=gamma, epsilon=epsilon,
                                      inv_std=inv_std)"""),
    Variant("batchnorm_backward_step_by_step", "batchnorm_backward", """
def batchnorm_backward(dout, cache):
    Z, mean, var, gamma, eps = cache["Z"], cache["mean"], cache["var"], cache["gamma"], cache["epsilon"]
    m = Z.shape[0]
    centred = Z - mean
    inv_std = 1.0 / np.sqrt(var + eps)
    dZ_hat = dout * gamma
    dvar = np.sum(dZ_hat * centred, axis=0) * -0.5 * inv_std ** 3
    dmean = np.sum(-dZ_hat * inv_std, axis=0) + dvar * np.mean(-2.0 * centred, axis=0)
    dZ = dZ_hat * inv_std + dvar * 2.0 * centred / m + dmean / m
    dgamma = np.sum(dout * centred * inv_std, axis=0).reshape(1, -1)
    dbeta = dout.sum(axis=0).reshape(1, -1)
    return dZ, dgamma, dbeta"""),
    Variant("scheduler_other_names_and_min", "LearningRateScheduler", """
class LearningRateScheduler:
    def __init__(self, initial_lr=0.01, patience=3, factor=0.5):
        self.learning_rate = float(initial_lr)
        self.settings = (patience, factor)
        self.losses = []
        self.stalled = 0

    def update(self, current_loss):
        patience, factor = self.settings
        improved = not self.losses or current_loss < min(self.losses)
        self.losses.append(current_loss)
        self.stalled = 0 if improved else self.stalled + 1
        if self.stalled == patience:
            self.learning_rate = self.learning_rate * factor
            self.stalled = 0
        return np.float64(self.learning_rate)"""),
    Variant("stopping_numpy_bool_and_property", "EarlyStopping", """
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.history = []
        self.improvements = []

    @property
    def best_epoch(self):
        return self.improvements[-1] if self.improvements else 0

    def should_stop(self, val_loss):
        best = self.history[self.improvements[-1]] if self.improvements else np.inf
        if val_loss < best - self.min_delta:
            self.improvements.append(len(self.history))
        self.history.append(val_loss)
        return np.bool_(len(self.history) - 1 - self.best_epoch >= self.patience)"""),
    Variant("noise_standard_normal_where", "add_noise", """
def add_noise(images, std, rng):
    noisy = images + std * rng.standard_normal(images.shape)
    return np.minimum(np.maximum(noisy, 0.0), 1.0)"""),
    Variant("shift_with_pad", "shift_images", """
def shift_images(images, dx, dy):
    m, h, w = images.shape
    ph, pw = h + abs(dy), w + abs(dx)
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    return padded[:, ph - dy:ph - dy + h, pw - dx:pw - dx + w]"""),
    Variant("shift_roll_then_zero", "shift_images",
            _ROLL_THEN_ZERO.replace("{else_x}", "elif dx < 0:\n        out[:, :, dx:] = 0")),
    Variant("train_layers_drawn_last_first", "train_regularized", _train().replace(
        "weights = [rng.standard_normal((layer_sizes[l], layer_sizes[l + 1])) * np.sqrt(2.0 / layer_sizes[l]) "
        "for l in range(L)]",
        "weights = [None] * L\n    for l in reversed(range(L)):\n"
        "        weights[l] = rng.normal(scale=np.sqrt(2 / layer_sizes[l]), size=(layer_sizes[l], layer_sizes[l + 1]))")),
]
