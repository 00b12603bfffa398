"""Realistic wrong answers (mutants) and honest variants of the deep_network exercises.

Each entry replaces one definition of the notebook (the exercise MomentumOptimizer is its method
``update``): a mutant with the key of the mistake the graders must name (mistakes.HINTS), an
honest variant with correct code in another style, which must keep full marks.
"""
from mutants import Variant


def _init(weight: str = "np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in)", bias: str = "np.zeros((1, n_out))",
          pairs: str = "zip(layer_sizes[:-1], layer_sizes[1:])") -> str:
    return f"""
def initialize_network(layer_sizes):
    weights, biases = [], []
    for n_in, n_out in {pairs}:
        weights.append({weight})
        biases.append({bias})
    return weights, biases"""


def _forward(Z="A @ weights[l] + biases[l]", A="softmax(Z) if l == L - 1 else relu(Z)", start="[X]",
             store="activations.append(A)\n        Zs.append(Z)", layers="L") -> str:
    return f"""
def forward_propagation(X, weights, biases):
    L = len(weights)
    A = X
    activations, Zs = {start}, []
    for l in range({layers}):
        Z = {Z}
        A = {A}
        {store}
    return A, {{"activations": activations, "Z": Zs}}"""


def _loss(body: str) -> str:
    return f"\ndef cross_entropy_loss(Y, Y_hat):\n    m = Y.shape[0]\n    P = np.clip(Y_hat, 1e-15, 1 - 1e-15)\n    return {body}"


def _gradients(dZ_out="activations[-1] - Y", dW="activations[l].T @ dZ / m",
               db="np.sum(dZ, axis=0, keepdims=True) / m", derivative="(Zs[l - 1] > 0)", back="dZ @ weights[l].T",
               fill="dW[l], db[l] = {dW}, {db}", start="[None] * L, [None] * L", end="") -> str:
    return f"""
def compute_gradients(weights, cache, Y):
    m = Y.shape[0]
    activations, Zs = cache["activations"], cache["Z"]
    L = len(weights)
    dW, db = {start}
    dZ = {dZ_out}
    for l in reversed(range(L)):
        {fill.format(dW=dW, db=db)}
        if l > 0:
            dZ = ({back}) * {derivative}{end}
    return dW, db"""


def _one_hot(body: str) -> str:
    return f"\ndef one_hot(y, n_classes):\n    m = y.shape[0]\n{body}"


def _preprocess(scale="np.asarray(X, dtype=float) / max_value", classes="int(y.max()) + 1",
                shuffle="order = np.random.default_rng(seed).permutation(m)\n    X_s, Y_s = X_s[order], Y_s[order]",
                split="int(m * (1 - validation_split))") -> str:
    return f"""
def preprocess_data(X, y, validation_split=0.2, seed=0, max_value=16.0):
    m = X.shape[0]
    X_s = {scale}
    Y_s = one_hot(y, {classes})
    {shuffle}
    split = {split}
    return X_s[:split], Y_s[:split], X_s[split:], Y_s[split:]"""


def _batches(order="np.random.default_rng(seed).permutation(m)", Y_order="order",
             stop="m") -> str:
    return f"""
def random_mini_batches(X, Y, batch_size=32, seed=0):
    m = X.shape[0]
    order = {order}
    X_s, Y_s = X[order], Y[{Y_order}]
    return [(X_s[k:k + batch_size], Y_s[k:k + batch_size]) for k in range(0, {stop}, batch_size)]"""


def _update(first="if self.velocity_w is None:", step="- self.learning_rate", momentum="self.momentum",
            apply="weights[l] += self.velocity_w[l]\n        biases[l] += self.velocity_b[l]") -> str:
    return f"""
def update(self, weights, biases, dW, db):
    {first}
        self.velocity_w = [np.zeros_like(W) for W in weights]
        self.velocity_b = [np.zeros_like(b) for b in biases]
    for l in range(len(weights)):
        self.velocity_w[l] = {momentum} * self.velocity_w[l] {step} * dW[l]
        self.velocity_b[l] = {momentum} * self.velocity_b[l] {step} * db[l]
        {apply}"""


def _train(optimizer="MomentumOptimizer(learning_rate, momentum)", seeding="np.random.seed(seed)",
           batch_seed="seed + epoch", per_batch="total += cross_entropy_loss(Y_batch, Y_hat) * X_batch.shape[0]",
           epoch_end='history["loss"].append(total / m)', fresh="") -> str:
    return f"""
def train_network(X_train, Y_train, layer_sizes, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0):
    {seeding}
    weights, biases = initialize_network(layer_sizes)
    optimizer = {optimizer}
    history = {{"loss": []}}
    m = X_train.shape[0]
    for epoch in range(epochs):
        total = 0.0{fresh}
        for X_batch, Y_batch in random_mini_batches(X_train, Y_train, batch_size, seed={batch_seed}):
            Y_hat, cache = forward_propagation(X_batch, weights, biases)
            {per_batch}
            dW, db = compute_gradients(weights, cache, Y_batch)
            optimizer.update(weights, biases, dW, db)
        {epoch_end}
    return weights, biases, history"""


def _predict(body: str) -> str:
    return f"\ndef predict(X, weights, biases):\n    A_out, _ = forward_propagation(X, weights, biases)\n    return {body}"


def _evaluate(confusion="confusion[y_true[i], y_pred[i]] += 1", n="n_classes", precision_by="predicted",
              recall_by="actual", divide="np.divide(correct, {by}, out=np.zeros(n), where={by} > 0)",
              accuracy="np.mean(y_true == y_pred)") -> str:
    return f"""
def evaluate(y_true, y_pred, n_classes):
    n = {n}
    confusion = np.zeros((n, n), dtype=int)
    for i in range(len(y_true)):
        {confusion}
    correct = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = {divide.format(by=precision_by)}
    recall = {divide.format(by=recall_by)}
    return {{"accuracy": float({accuracy}), "confusion_matrix": confusion, "precision": precision, "recall": recall}}"""


MUTANTS = [
    # initialize_network
    Variant("init_seed_scale", "initialize_network", _init(weight="np.random.randn(n_in, n_out) * 0.01"),
            "weights_small"),
    Variant("init_xavier", "initialize_network", _init(weight="np.random.randn(n_in, n_out) * np.sqrt(1.0 / n_in)"),
            "weights_xavier"),
    Variant("init_column_major", "initialize_network",
            _init(weight="np.random.randn(n_out, n_in) * np.sqrt(2.0 / n_in)"), "weights_column_major"),
    Variant("init_one_layer_short", "initialize_network",
            _init(pairs="zip(layer_sizes[:-2], layer_sizes[1:-1])"), "layers_missing"),
    # forward_propagation
    Variant("forward_softmax_everywhere", "forward_propagation", _forward(A="softmax(Z)"), "softmax_hidden"),
    Variant("forward_relu_everywhere", "forward_propagation", _forward(A="relu(Z)"), "relu_output"),
    Variant("forward_without_biases", "forward_propagation", _forward(Z="A @ weights[l]"), "missing_bias"),
    Variant("forward_cache_without_X", "forward_propagation", _forward(start="[]"), "cache_missing_input"),
    Variant("forward_cache_appends_swapped", "forward_propagation",
            _forward(store="activations.append(Z)\n        Zs.append(A)"), "cache_swapped"),
    # cross_entropy_loss
    Variant("loss_summed", "cross_entropy_loss", _loss("float(-np.sum(Y * np.log(P)))"), "loss_no_mean"),
    Variant("loss_np_mean", "cross_entropy_loss", _loss("float(-np.mean(Y * np.log(P)))"), "loss_mean_over_classes"),
    Variant("loss_unclipped", "cross_entropy_loss", _loss("float(-np.sum(Y * np.log(Y_hat)) / m)"), "loss_not_finite"),
    Variant("loss_arguments_swapped", "cross_entropy_loss",
            _loss("float(-np.sum(Y_hat * np.log(np.clip(Y, 1e-15, 1 - 1e-15))) / m)"), "loss_arguments_swapped"),
    # compute_gradients
    Variant("grads_without_mean", "compute_gradients",
            _gradients(dW="activations[l].T @ dZ", db="np.sum(dZ, axis=0, keepdims=True)"), "grads_no_mean"),
    Variant("grads_without_keepdims", "compute_gradients", _gradients(db="np.sum(dZ, axis=0) / m"), "grads_no_keepdims"),
    Variant("grads_appended_backwards", "compute_gradients",
            _gradients(start="[], []", fill="dW.append({dW})\n        db.append({db})"), "grads_reversed"),
    Variant("grads_output_layer_only", "compute_gradients",
            _gradients(start="[np.zeros_like(W) for W in weights], [np.zeros((1, W.shape[1])) for W in weights]",
                       fill="if l == L - 1:\n            dW[l], db[l] = {dW}, {db}"), "grads_output_only"),
    Variant("grads_relu_slope_one_at_zero", "compute_gradients", _gradients(derivative="(Zs[l - 1] >= 0)"),
            "relu_derivative_at_zero"),
    Variant("grads_without_relu_slope", "compute_gradients", _gradients(derivative="1"), "relu_derivative_missing"),
    # one_hot
    Variant("one_hot_transposed", "one_hot", _one_hot(
        "    Y = np.zeros((n_classes, m))\n    Y[y, np.arange(m)] = 1.0\n    return Y"), "one_hot_transposed"),
    Variant("one_hot_classes_from_labels", "one_hot", _one_hot(
        "    Y = np.zeros((m, int(y.max()) + 1))\n    Y[np.arange(m), y] = 1.0\n    return Y"),
            "one_hot_n_classes_ignored"),
    # preprocess_data
    Variant("preprocess_two_permutations", "preprocess_data", _preprocess(
        shuffle="rng = np.random.default_rng(seed)\n    X_s, Y_s = X_s[rng.permutation(m)], Y_s[rng.permutation(m)]"),
            "pairing_broken"),
    Variant("preprocess_split_then_shuffle", "preprocess_data", _preprocess(
        shuffle="rng = np.random.default_rng(seed)\n    cut = int(m * (1 - validation_split))\n"
                "    order = np.concatenate([rng.permutation(cut), cut + rng.permutation(m - cut)])\n"
                "    X_s, Y_s = X_s[order], Y_s[order]"), "split_before_shuffle"),
    Variant("preprocess_divides_by_255", "preprocess_data", _preprocess(scale="np.asarray(X, dtype=float) / 255.0"),
            "scaled_by_255"),
    Variant("preprocess_global_shuffle", "preprocess_data", _preprocess(
        shuffle="order = np.arange(m)\n    np.random.shuffle(order)\n    X_s, Y_s = X_s[order], Y_s[order]"),
            "seed_ignored"),
    Variant("preprocess_counts_unique_labels", "preprocess_data", _preprocess(classes="len(np.unique(y))"),
            "classes_from_unique"),
    # random_mini_batches
    Variant("batches_drop_the_remainder", "random_mini_batches", _batches(stop="m - m % batch_size"),
            "last_batch_dropped"),
    Variant("batches_drawn_with_replacement", "random_mini_batches",
            _batches(order="np.random.default_rng(seed).integers(0, m, size=m)"), "examples_repeated"),
    Variant("batches_global_generator", "random_mini_batches", _batches(order="np.random.permutation(m)"),
            "seed_ignored"),
    # MomentumOptimizer.update
    Variant("momentum_adds_the_gradient", "MomentumOptimizer", _update(step="+ self.learning_rate"), "update_plus"),
    Variant("momentum_reset_every_call", "MomentumOptimizer", _update(first="if True:"), "velocity_reset"),
    Variant("momentum_fixed_rate", "MomentumOptimizer", _update(step="- 0.01"), "learning_rate_ignored"),
    Variant("momentum_rebinds_the_lists", "MomentumOptimizer", _update(
        apply="pass\n    weights = [W + v for W, v in zip(weights, self.velocity_w)]\n"
              "    biases = [b + v for b, v in zip(biases, self.velocity_b)]"), "weights_not_updated"),
    Variant("momentum_seed_001_form", "MomentumOptimizer", """
def update(self, weights, biases, dW, db):
    if self.velocity_w is None:
        self.velocity_w = [np.zeros_like(W) for W in weights]
        self.velocity_b = [np.zeros_like(b) for b in biases]
    for l in range(len(weights)):
        self.velocity_w[l] = self.momentum * self.velocity_w[l] + dW[l]
        self.velocity_b[l] = self.momentum * self.velocity_b[l] + db[l]
        weights[l] -= self.learning_rate * self.velocity_w[l]
        biases[l] -= self.learning_rate * self.velocity_b[l]""", "velocity_other_form"),
    # train_network
    Variant("train_seed_epoch_average", "train_network", _train(
        per_batch="total += cross_entropy_loss(Y_batch, Y_hat)",
        epoch_end='history["loss"].append(total / (m / batch_size))'), "train_epoch_average"),
    Variant("train_optimizer_every_epoch", "train_network", _train(
        fresh="\n        optimizer = MomentumOptimizer(learning_rate, momentum)"), "train_optimizer_recreated",
            also=("train_not_learning",)),
    Variant("train_unseeded", "train_network", _train(seeding="pass", batch_seed="epoch"), "train_seed_ignored"),
    Variant("train_loss_per_batch", "train_network", _train(
        per_batch='history["loss"].append(cross_entropy_loss(Y_batch, Y_hat))', epoch_end="pass"),
            "train_history_length"),
    Variant("train_loss_after_the_epoch", "train_network", _train(
        per_batch="pass",
        epoch_end='history["loss"].append(cross_entropy_loss(Y_train, '
                  'forward_propagation(X_train, weights, biases)[0]))'), "train_loss_after_update"),
    # predict
    Variant("predict_probabilities", "predict", _predict("A_out"), "predict_probabilities"),
    Variant("predict_over_examples", "predict", _predict("np.argmax(A_out, axis=0)"), "predict_axis0"),
    # evaluate
    Variant("evaluate_transposed", "evaluate", _evaluate(confusion="confusion[y_pred[i], y_true[i]] += 1"),
            "confusion_transposed"),
    Variant("evaluate_precision_recall_swapped", "evaluate", _evaluate(precision_by="actual", recall_by="predicted"),
            "precision_recall_swapped"),
    Variant("evaluate_plain_division", "evaluate", _evaluate(divide="correct / {by}"), "nan_for_empty_class"),
    Variant("evaluate_classes_from_labels", "evaluate", _evaluate(n="int(max(y_true.max(), y_pred.max())) + 1"),
            "confusion_n_classes_ignored"),
]

HONEST = [
    Variant("init_normal_with_scale", "initialize_network", """
def initialize_network(layer_sizes):
    weights = [np.random.normal(0.0, np.sqrt(2 / n_in), size=(n_in, n_out))
               for n_in, n_out in zip(layer_sizes, layer_sizes[1:])]
    biases = [np.zeros((1, n)) for n in layer_sizes[1:]]
    return weights, biases"""),
    Variant("forward_hidden_then_output", "forward_propagation", """
def forward_propagation(X, weights, biases):
    activations, Zs = [X], []
    for W, b in zip(weights[:-1], biases[:-1]):
        Zs.append(np.dot(activations[-1], W) + b)
        activations.append(np.maximum(Zs[-1], 0))
    Zs.append(np.dot(activations[-1], weights[-1]) + biases[-1])
    activations.append(softmax(Zs[-1]))
    return activations[-1], {"Z": tuple(Zs), "activations": tuple(activations)}"""),
    Variant("loss_mean_of_rows", "cross_entropy_loss", """
def cross_entropy_loss(Y, Y_hat):
    return np.mean(-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1.0)), axis=1))"""),
    Variant("grads_appended_then_reversed", "compute_gradients", """
def compute_gradients(weights, cache, Y):
    A, Z = cache["activations"], cache["Z"]
    m = len(Y)
    dW, db = [], []
    dZ = A[-1] - Y
    for l in range(len(weights) - 1, -1, -1):
        dW.append(np.dot(A[l].T, dZ) / m)
        db.append(dZ.mean(axis=0, keepdims=True))
        if l:
            dZ = np.dot(dZ, weights[l].T) * (A[l] > 0)
    return dW[::-1], db[::-1]"""),
    Variant("preprocess_shuffled_indices", "preprocess_data", """
def preprocess_data(X, y, validation_split=0.2, seed=0, max_value=16.0):
    rng = np.random.default_rng(seed)
    indices = np.arange(len(X))
    rng.shuffle(indices)
    X_scaled = np.take(X.astype(np.float64), indices, axis=0) / max_value
    Y = np.take(one_hot(y, y.max() + 1), indices, axis=0)
    n_train = int(len(X) * (1 - validation_split))
    return X_scaled[:n_train], Y[:n_train], X_scaled[n_train:], Y[n_train:]"""),
    Variant("batches_in_a_loop", "random_mini_batches", """
def random_mini_batches(X, Y, batch_size=32, seed=0):
    permutation = np.random.default_rng(seed).permutation(len(X))
    batches = []
    start = 0
    while start < len(X):
        chosen = permutation[start:start + batch_size]
        batches.append((X[chosen, :], Y[chosen, :]))
        start += batch_size
    return batches"""),
    Variant("momentum_replacing_items", "MomentumOptimizer", """
def update(self, weights, biases, dW, db):
    if not self.velocity_w:
        self.velocity_w = [0 * W for W in weights]
        self.velocity_b = [0 * b for b in biases]
    for l, (g_w, g_b) in enumerate(zip(dW, db)):
        self.velocity_w[l] *= self.momentum
        self.velocity_w[l] -= self.learning_rate * g_w
        self.velocity_b[l] *= self.momentum
        self.velocity_b[l] -= self.learning_rate * g_b
        weights[l] = weights[l] + self.velocity_w[l]
        biases[l] = biases[l] + self.velocity_b[l]"""),
    Variant("train_counted_sums", "train_network", """
def train_network(X_train, Y_train, layer_sizes, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0):
    weights, biases = initialize_network(layer_sizes)
    optimizer = MomentumOptimizer(learning_rate=learning_rate, momentum=momentum)
    history = {"loss": []}
    shuffles = np.random.default_rng(seed)
    for _ in range(epochs):
        losses, counts = [], []
        for X_batch, Y_batch in random_mini_batches(X_train, Y_train, batch_size, int(shuffles.integers(2**31))):
            probabilities, cache = forward_propagation(X_batch, weights, biases)
            losses.append(cross_entropy_loss(Y_batch, probabilities))
            counts.append(len(X_batch))
            optimizer.update(weights, biases, *compute_gradients(weights, cache, Y_batch))
        history["loss"].append(np.average(losses, weights=counts))
    return weights, biases, history"""),
    Variant("predict_from_the_scores", "predict", """
def predict(X, weights, biases):
    _, cache = forward_propagation(X, weights, biases)
    return cache["Z"][-1].argmax(axis=1).astype(float)"""),
    Variant("evaluate_with_errstate", "evaluate", """
def evaluate(y_true, y_pred, n_classes):
    confusion = np.zeros((n_classes, n_classes))
    np.add.at(confusion, (y_true, y_pred), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(np.diag(confusion) / confusion.sum(axis=0))
        recall = np.nan_to_num(np.diag(confusion) / confusion.sum(axis=1))
    return {"accuracy": np.trace(confusion) / len(y_true), "confusion_matrix": confusion,
            "precision": precision, "recall": recall}"""),
]
