"""Realistic wrong answers (mutants) and honest variants of the network_class exercises.

Each entry replaces one method of SimpleNeuralNetwork (the exercise ``init`` is ``__init__``):
a mutant with the key of the mistake the graders must name (mistakes.HINTS), an honest
variant with correct code in another style, which must keep full marks.
"""
from mutants import Variant

_INIT = """
def __init__(self, input_size, hidden_size, output_size):
    self.W1 = {W1}
    self.b1 = {b1}
    self.W2 = {W2}
    self.b2 = {b2}
    self.parameters = {{"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}}
    self.gradients = {{}}
    self.cache = {{}}"""


def _init(W1="np.random.randn(input_size, hidden_size) * 0.01", b1="np.zeros((1, hidden_size))",
          W2="np.random.randn(hidden_size, output_size) * 0.01", b2="np.zeros((1, output_size))") -> str:
    return _INIT.format(W1=W1, b1=b1, W2=W2, b2=b2)


def _forward(Z1="X @ self.W1 + self.b1", A1="self.sigmoid(Z1)", Z2="A1 @ self.W2 + self.b2",
             A2="self.sigmoid(Z2)", cache='{"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "X": X}') -> str:
    store = f"\n    self.cache = {cache}" if cache else ""
    return f"""
def forward_propagation(self, X):
    Z1 = {Z1}
    A1 = {A1}
    Z2 = {Z2}
    A2 = {A2}{store}
    return A2"""


def _loss(body: str) -> str:
    return f"\ndef compute_loss(self, Y, Y_hat):\n    m = Y.shape[0]\n    return {body}"


def _backward(dZ2="A2 - Y", dZ1="(dZ2 @ self.W2.T) * self.sigmoid_derivative(self.cache['Z1'])",
              dW1="X.T @ dZ1 / m", db1="np.sum(dZ1, axis=0, keepdims=True) / m",
              dW2="A1.T @ dZ2 / m", db2="np.sum(dZ2, axis=0, keepdims=True) / m", store=True) -> str:
    keep = ('\n    self.gradients = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}' if store else "")
    return f"""
def backward_propagation(self, Y):
    m = Y.shape[0]
    X, A1, A2 = self.cache["X"], self.cache["A1"], self.cache["A2"]
    dZ2 = {dZ2}
    dZ1 = {dZ1}
    dW1 = {dW1}
    db1 = {db1}
    dW2 = {dW2}
    db2 = {db2}{keep}"""


def _train(epoch: str, returned: str = "losses") -> str:
    return f"""
def train(self, X, Y, epochs=1000, learning_rate=0.5):
    losses = []
    for _ in range(epochs):
{epoch}
    return {returned}"""


_EPOCH = """        Y_hat = self.forward_propagation(X)
        losses.append(self.compute_loss(Y, Y_hat))
        self.backward_propagation(Y)
        self.update_parameters({rate})"""


def _predict(body: str) -> str:
    return f"\ndef predict(self, X):\n    A2 = self.forward_propagation(X)\n    return {body}"


MUTANTS = [
    # __init__
    Variant("init_column_major", "init", _init(W1="np.random.randn(hidden_size, input_size) * 0.01",
                                               W2="np.random.randn(output_size, hidden_size) * 0.01"),
            "weights_column_major"),
    Variant("init_biases_column", "init", _init(b1="np.zeros((hidden_size, 1))", b2="np.zeros((output_size, 1))"),
            "biases_column"),
    Variant("init_random_biases", "init", _init(b1="np.random.randn(1, hidden_size) * 0.01",
                                                b2="np.random.randn(1, output_size) * 0.01"), "biases_random"),
    Variant("init_zeros", "init", _init(W1="np.zeros((input_size, hidden_size))",
                                        W2="np.zeros((hidden_size, output_size))"), "weights_zero"),
    Variant("init_unscaled", "init", _init(W1="np.random.randn(input_size, hidden_size)",
                                           W2="np.random.randn(hidden_size, output_size)"), "weights_unscaled"),
    Variant("init_uniform", "init", _init(W1="np.random.rand(input_size, hidden_size) * 0.01",
                                          W2="np.random.rand(hidden_size, output_size) * 0.01"), "weights_uniform"),
    Variant("init_without_parameters", "init", _init().replace(
        '{"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}', "{}"), "parameters_not_kept"),
    Variant("init_cache_none", "init", _init().replace("self.cache = {}", "self.cache = None"), "state_not_empty"),
    # sigmoid
    Variant("sigmoid_sign", "sigmoid", "\ndef sigmoid(self, Z):\n    return 1 / (1 + np.exp(Z))", "sigmoid_sign"),
    Variant("sigmoid_tanh", "sigmoid", "\ndef sigmoid(self, Z):\n    return np.tanh(Z)", "sigmoid_tanh"),
    Variant("sigmoid_exp", "sigmoid", "\ndef sigmoid(self, Z):\n    return 1 / np.exp(-Z)", "sigmoid_exp"),
    # sigmoid_derivative
    Variant("derivative_of_activation", "sigmoid_derivative",
            "\ndef sigmoid_derivative(self, Z):\n    return Z * (1 - Z)", "derivative_of_activation"),
    Variant("derivative_one_factor", "sigmoid_derivative",
            "\ndef sigmoid_derivative(self, Z):\n    return self.sigmoid(Z)", "derivative_missing_factor"),
    Variant("derivative_of_tanh", "sigmoid_derivative",
            "\ndef sigmoid_derivative(self, Z):\n    return 1 - self.sigmoid(Z) ** 2", "derivative_tanh"),
    # forward_propagation
    Variant("forward_column_major", "forward_propagation",
            _forward(Z1="self.W1.T @ X.T + self.b1.T", Z2="self.W2.T @ A1 + self.b2.T"), "forward_column_major"),
    Variant("forward_without_biases", "forward_propagation",
            _forward(Z1="X @ self.W1", Z2="A1 @ self.W2"), "missing_bias"),
    Variant("forward_linear_output", "forward_propagation", _forward(A2="Z2"), "linear_output"),
    Variant("forward_tanh_hidden", "forward_propagation", _forward(A1="np.tanh(Z1)"), "tanh_hidden"),
    Variant("forward_forgets_cache", "forward_propagation", _forward(cache=""), "cache_not_stored"),
    Variant("forward_cache_without_X", "forward_propagation",
            _forward(cache='{"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}'), "cache_missing_X"),
    Variant("forward_cache_keys_swapped", "forward_propagation",
            _forward(cache='{"Z1": A1, "A1": Z1, "Z2": Z2, "A2": A2, "X": X}'), "cache_keys_swapped"),
    # compute_loss
    Variant("loss_summed", "compute_loss",
            _loss("float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1 - 1e-12)) "
                  "+ (1 - Y) * np.log(np.clip(1 - Y_hat, 1e-12, 1))))"), "loss_no_mean"),
    Variant("loss_sign_flipped", "compute_loss",
            _loss("float(np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1 - 1e-12)) "
                  "+ (1 - Y) * np.log(np.clip(1 - Y_hat, 1e-12, 1))) / m)"), "loss_sign"),
    Variant("loss_positive_term_only", "compute_loss",
            _loss("float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1))) / m)"), "loss_one_term"),
    Variant("loss_mse", "compute_loss", _loss("float(np.mean((Y_hat - Y) ** 2))"), "loss_mse"),
    Variant("loss_unclipped", "compute_loss",
            _loss("float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / m)"), "loss_not_finite"),
    Variant("loss_arguments_swapped", "compute_loss", """
def compute_loss(self, Y_hat, Y):
    m = Y.shape[0]
    return float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / m)""", "loss_not_finite"),
    # backward_propagation
    Variant("grads_without_mean", "backward_propagation",
            _backward(dW1="X.T @ dZ1", db1="np.sum(dZ1, axis=0, keepdims=True)", dW2="A1.T @ dZ2",
                      db2="np.sum(dZ2, axis=0, keepdims=True)"), "grads_no_mean"),
    Variant("grads_without_keepdims", "backward_propagation",
            _backward(db1="np.sum(dZ1, axis=0) / m", db2="np.sum(dZ2, axis=0) / m"), "grads_no_keepdims"),
    Variant("grads_bias_over_features", "backward_propagation",
            _backward(db1="np.sum(dZ1, axis=1, keepdims=True) / m", db2="np.sum(dZ2, axis=1, keepdims=True) / m"),
            "grads_bias_axis"),
    Variant("grads_column_major", "backward_propagation",
            _backward(dW1="dZ1.T @ X / m", dW2="dZ2.T @ A1 / m"), "grads_column_major"),
    Variant("backward_derivative_of_A1", "backward_propagation",
            _backward(dZ1="(dZ2 @ self.W2.T) * self.sigmoid_derivative(A1)"), "backward_derivative_of_A"),
    Variant("backward_dZ2_reversed", "backward_propagation", _backward(dZ2="Y - A2"), "dZ2_sign"),
    Variant("backward_dZ2_extra_derivative", "backward_propagation",
            _backward(dZ2="(A2 - Y) * A2 * (1 - A2)"), "dZ2_extra_sigmoid"),
    Variant("backward_forgets_gradients", "backward_propagation", _backward(store=False), "gradients_not_stored"),
    # update_parameters
    Variant("update_adds", "update_parameters", """
def update_parameters(self, learning_rate):
    self.W1 += learning_rate * self.gradients["dW1"]
    self.b1 += learning_rate * self.gradients["db1"]
    self.W2 += learning_rate * self.gradients["dW2"]
    self.b2 += learning_rate * self.gradients["db2"]""", "update_plus"),
    Variant("update_fixed_rate", "update_parameters", """
def update_parameters(self, learning_rate):
    for key in ("W1", "b1", "W2", "b2"):
        self.parameters[key] -= 0.5 * self.gradients["d" + key]""", "learning_rate_ignored"),
    Variant("update_weights_only", "update_parameters", """
def update_parameters(self, learning_rate):
    self.W1 -= learning_rate * self.gradients["dW1"]
    self.W2 -= learning_rate * self.gradients["dW2"]""", "weights_only"),
    Variant("update_rebinds_without_parameters", "update_parameters", """
def update_parameters(self, learning_rate):
    self.W1 = self.W1 - learning_rate * self.gradients["dW1"]
    self.b1 = self.b1 - learning_rate * self.gradients["db1"]
    self.W2 = self.W2 - learning_rate * self.gradients["dW2"]
    self.b2 = self.b2 - learning_rate * self.gradients["db2"]""", "parameters_stale"),
    Variant("update_parameters_dict_only", "update_parameters", """
def update_parameters(self, learning_rate):
    self.parameters = {key: value - learning_rate * self.gradients["d" + key]
                       for key, value in self.parameters.items()}""", "attributes_stale"),
    # train
    Variant("train_without_steps", "train", _train("""        Y_hat = self.forward_propagation(X)
        losses.append(self.compute_loss(Y, Y_hat))"""), "train_not_updating"),
    Variant("train_returns_last_loss", "train", _train(_EPOCH.format(rate="learning_rate"), "losses[-1]"),
            "train_length"),
    Variant("train_loss_after_update", "train", _train("""        self.forward_propagation(X)
        self.backward_propagation(Y)
        self.update_parameters(learning_rate)
        losses.append(self.compute_loss(Y, self.forward_propagation(X)))"""), "train_loss_after_update"),
    Variant("train_default_rate", "train", _train(_EPOCH.format(rate="0.5")), "train_learning_rate_ignored",
            also=("train_not_updating",)),
    # predict
    Variant("predict_probabilities", "predict", _predict("A2"), "probabilities"),
    Variant("predict_threshold_zero", "predict", _predict("(A2 > 0).astype(int)"), "threshold_zero"),
    Variant("predict_flattened", "predict", _predict("(A2 > 0.5).astype(int).ravel()"), "predict_flat"),
    Variant("predict_transposed", "predict", _predict("(A2 > 0.5).astype(int).T"), "predict_transposed"),
]

HONEST = [
    Variant("init_through_the_parameters_dict", "init", """
def __init__(self, input_size, hidden_size, output_size):
    self.parameters = {
        "W1": np.random.normal(0.0, 0.01, size=(input_size, hidden_size)),
        "b1": np.zeros((1, hidden_size)),
        "W2": np.random.standard_normal((hidden_size, output_size)) / 100,
        "b2": np.zeros((1, output_size)),
    }
    for key, value in self.parameters.items():
        setattr(self, key, value)
    self.gradients, self.cache = {}, {}"""),
    Variant("sigmoid_by_logaddexp", "sigmoid", "\ndef sigmoid(self, Z):\n    return np.exp(-np.logaddexp(0, -Z))"),
    Variant("sigmoid_by_tanh", "sigmoid", "\ndef sigmoid(self, Z):\n    return 0.5 * (1 + np.tanh(0.5 * Z))"),
    Variant("derivative_from_one_minus", "sigmoid_derivative", """
def sigmoid_derivative(self, Z):
    s = self.sigmoid(Z)
    return s - s ** 2"""),
    Variant("forward_dot_and_einsum", "forward_propagation", """
def forward_propagation(self, X):
    Z1 = np.dot(X, self.parameters["W1"]) + self.parameters["b1"]
    A1 = self.sigmoid(Z1)
    Z2 = np.einsum("mh,hy->my", A1, self.W2) + self.b2
    A2 = self.sigmoid(Z2)
    self.cache["Z1"], self.cache["A1"], self.cache["Z2"] = Z1, A1, Z2
    self.cache["A2"], self.cache["X"] = A2, X
    return A2"""),
    Variant("loss_mean_np_float64", "compute_loss", """
def compute_loss(self, Y, Y_hat):
    P = np.clip(Y_hat, 1e-15, 1 - 1e-15)
    return -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))"""),
    Variant("loss_loop_with_epsilon_1e7", "compute_loss", """
def compute_loss(self, Y, Y_hat):
    total = 0.0
    for y, p in zip(Y.ravel(), Y_hat.ravel()):
        p = min(max(p, 1e-7), 1 - 1e-7)
        total -= y * np.log(p) + (1 - y) * np.log(1 - p)
    return total / Y.shape[0]"""),
    Variant("backward_key_by_key_with_A1", "backward_propagation", """
def backward_propagation(self, Y):
    m = Y.shape[0]
    A1 = self.cache["A1"]
    dZ2 = self.cache["A2"] - Y
    self.gradients["dW2"] = np.dot(A1.T, dZ2) / m
    self.gradients["db2"] = dZ2.mean(axis=0, keepdims=True)
    dZ1 = np.dot(dZ2, self.W2.T) * A1 * (1 - A1)
    self.gradients["dW1"] = np.dot(self.cache["X"].T, dZ1) / m
    self.gradients["db1"] = dZ1.mean(axis=0).reshape(1, -1)"""),
    Variant("update_rebinds_and_rebuilds", "update_parameters", """
def update_parameters(self, learning_rate):
    self.W1 = self.W1 - learning_rate * self.gradients["dW1"]
    self.b1 = self.b1 - learning_rate * self.gradients["db1"]
    self.W2 = self.W2 - learning_rate * self.gradients["dW2"]
    self.b2 = self.b2 - learning_rate * self.gradients["db2"]
    self.parameters = {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}"""),
    Variant("update_through_the_shared_dict", "update_parameters", """
def update_parameters(self, learning_rate):
    for key in self.parameters:
        self.parameters[key] -= learning_rate * self.gradients["d" + key]"""),
    Variant("train_tuple_of_np_floats", "train", """
def train(self, X, Y, epochs=1000, learning_rate=0.5):
    losses = ()
    for epoch in range(epochs):
        loss = np.float64(self.compute_loss(Y, self.forward_propagation(X)))
        self.backward_propagation(Y)
        self.update_parameters(learning_rate=learning_rate)
        losses += (loss,)
    return list(losses)"""),
    Variant("predict_bool", "predict", "\ndef predict(self, X):\n    return self.forward_propagation(X) > 0.5"),
    Variant("predict_where_floats", "predict",
            "\ndef predict(self, X):\n    return np.where(self.forward_propagation(X) > 0.5, 1.0, 0.0)"),
]
