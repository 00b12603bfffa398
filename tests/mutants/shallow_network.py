"""Realistic wrong answers (mutants) and honest variants of the shallow_network exercises.

A mutant is one function, written the way a student gets it wrong, with the key of the
mistake the graders must name (mistakes.HINTS). An honest variant is a correct function
written in another style, which must keep full marks.
"""
from mutants import Variant


MUTANTS = [
    # layer_sizes
    Variant("m_as_n_x", "layer_sizes", "def layer_sizes(X, Y):\n    return X.shape[1], 2, Y.shape[0]", "m_as_n_x"),
    Variant("n_h_4", "layer_sizes", "def layer_sizes(X, Y):\n    return X.shape[0], 4, Y.shape[0]", "n_h_not_2"),
    Variant("n_y_fixed", "layer_sizes", "def layer_sizes(X, Y):\n    return X.shape[0], 2, 1", "n_y_fixed"),
    # initialize_parameters
    Variant("init_transposed", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(n_x, n_h) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": np.random.randn(n_h, n_y) * 0.01, "b2": np.zeros((n_y, 1))}""", "weights_transposed"),
    Variant("init_unscaled", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(n_h, n_x), "b1": np.zeros((n_h, 1)),
            "W2": np.random.randn(n_y, n_h), "b2": np.zeros((n_y, 1))}""", "weights_unscaled"),
    Variant("init_zeros", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.zeros((n_h, n_x)), "b1": np.zeros((n_h, 1)),
            "W2": np.zeros((n_y, n_h)), "b2": np.zeros((n_y, 1))}""", "weights_zero"),
    Variant("init_uniform", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.rand(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": np.random.rand(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}""", "weights_uniform"),
    Variant("init_random_biases", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(n_h, n_x) * 0.01, "b1": np.random.randn(n_h, 1) * 0.01,
            "W2": np.random.randn(n_y, n_h) * 0.01, "b2": np.random.randn(n_y, 1) * 0.01}""", "biases_random"),
    Variant("init_n_h_ignored", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(2, n_x) * 0.01, "b1": np.zeros((2, 1)),
            "W2": np.random.randn(n_y, 2) * 0.01, "b2": np.zeros((n_y, 1))}""", "n_h_ignored"),
    # forward_propagation
    Variant("forward_W1_transposed", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"].T @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}""", "weights_transposed_forward"),
    Variant("forward_tanh", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}""", "tanh_hidden"),
    Variant("forward_no_b1", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X)
    A1 = sigmoid(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}""", "missing_bias"),
    Variant("forward_linear_output", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    return Z2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": Z2}""", "linear_output"),
    Variant("cache_without_A2", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2}""", "cache_missing_A2"),
    Variant("cache_keys_swapped", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": A1, "A1": Z1, "Z2": Z2, "A2": A2}""", "cache_keys_swapped"),
    # compute_cost
    Variant("cost_without_1_over_m", "compute_cost", """
def compute_cost(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))""", "cost_no_mean"),
    Variant("cost_sign_flipped", "compute_cost", """
def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)""", "cost_sign"),
    Variant("cost_one_term", "compute_cost", """
def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2)) / m)""", "cost_one_term"),
    Variant("cost_mse", "compute_cost", """
def compute_cost(A2, Y):
    return float(np.mean((A2 - Y) ** 2))""", "cost_mse"),
    # backward_propagation
    Variant("backward_without_1_over_m", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": np.sum(dZ2, axis=1, keepdims=True)}""", "grads_no_mean"),
    Variant("backward_without_keepdims", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1) / m}""", "grads_no_keepdims"),
    Variant("backward_tanh_derivative", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * (1 - np.power(A1, 2))
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}""", "tanh_derivative"),
    Variant("backward_derivative_of_Z", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * Z1 * (1 - Z1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}""", "derivative_of_Z"),
    Variant("backward_dZ2_sign", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = Y - A2
    dZ1 = parameters["W2"].T @ dZ2 * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}""", "dZ2_sign"),
    Variant("backward_extra_sigmoid_factor", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) * A2 * (1 - A2)
    dZ1 = parameters["W2"].T @ dZ2 * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}""", "dZ2_extra_sigmoid"),
    # update_parameters
    Variant("update_plus", "update_parameters", """
def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: v + learning_rate * grads["d" + k] for k, v in parameters.items()}""", "update_plus"),
    Variant("update_ignores_learning_rate", "update_parameters", """
def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: v - 1.2 * grads["d" + k] for k, v in parameters.items()}""", "learning_rate_ignored"),
    Variant("update_wrong_default", "update_parameters", """
def update_parameters(parameters, grads, learning_rate=0.01):
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}""", "learning_rate_default"),
    Variant("update_weights_only", "update_parameters", """
def update_parameters(parameters, grads, learning_rate=1.2):
    return {"W1": parameters["W1"] - learning_rate * grads["dW1"], "b1": parameters["b1"],
            "W2": parameters["W2"] - learning_rate * grads["dW2"], "b2": parameters["b2"]}""", "weights_only"),
    # nn_model
    Variant("nn_model_does_not_train", "nn_model", """
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        update_parameters(parameters, grads, learning_rate)
    return parameters""", "not_training"),
    Variant("nn_model_ignores_n_h", "nn_model", """
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, print_cost=False):
    n_x, n_h_default, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h_default, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters""", "nn_n_h_ignored"),
    Variant("nn_model_ignores_learning_rate", "nn_model", """
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters""", "nn_learning_rate_ignored", also=("not_training",)),
    # predict
    Variant("predict_threshold_zero", "predict", """
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    return (A2 > 0).astype(int)""", "threshold_zero"),
    Variant("predict_probabilities", "predict", """
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    return A2""", "probabilities"),
]

HONEST = [
    Variant("layer_sizes_list_of_numpy_ints", "layer_sizes",
            "def layer_sizes(X, Y):\n    return [np.int64(X.shape[0]), np.int64(2), np.int64(Y.shape[0])]"),
    Variant("init_normal_in_another_order", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    W2 = np.random.normal(0.0, 0.01, size=(n_y, n_h))
    W1 = np.random.standard_normal((n_h, n_x)) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}"""),
    Variant("forward_with_loops_and_stable_sigmoid", "forward_propagation", """
def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    Z1 = np.zeros((W1.shape[0], m))
    for i in range(m):
        for j in range(W1.shape[0]):
            Z1[j, i] = sum(W1[j, k] * X[k, i] for k in range(X.shape[0])) + b1[j, 0]
    A1 = 0.5 * (1 + np.tanh(Z1 / 2))
    Z2 = W2 @ A1 + b2
    A2 = 0.5 * (1 + np.tanh(Z2 / 2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}"""),
    Variant("forward_einsum", "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = np.einsum("hx,xm->hm", parameters["W1"], X) + parameters["b1"]
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = np.einsum("yh,hm->ym", parameters["W2"], A1) + parameters["b2"]
    A2 = np.exp(-np.logaddexp(0, -Z2))
    return A2, dict(Z1=Z1, A1=A1, Z2=Z2, A2=A2)"""),
    Variant("cost_np_float64_with_loop", "compute_cost", """
def compute_cost(A2, Y):
    m = Y.shape[1]
    total = np.float64(0)
    for a, y in zip(A2[0], Y[0]):
        total += -(y * np.log(a) + (1 - y) * np.log(1 - a))
    return total / m"""),
    Variant("init_seeded_inside", "initialize_parameters", """
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(2)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}"""),
    Variant("cost_one_by_one_array", "compute_cost", """
def compute_cost(A2, Y):
    m = Y.shape[1]
    return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2), keepdims=True) / m"""),
    Variant("cost_zero_d_array", "compute_cost", """
def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m
    return np.squeeze(cost)"""),
    Variant("backward_einsum", "backward_propagation", """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = np.einsum("yh,ym->hm", parameters["W2"], dZ2) * cache["A1"] * (1 - cache["A1"])
    return {"dW1": np.einsum("hm,xm->hx", dZ1, X) / m, "db1": dZ1.mean(axis=1, keepdims=True),
            "dW2": np.einsum("ym,hm->yh", dZ2, cache["A1"]) / m, "db2": dZ2.mean(axis=1, keepdims=True)}"""),
    Variant("update_in_place", "update_parameters", """
def update_parameters(parameters, grads, learning_rate=1.2):
    for key in ("W1", "b1", "W2", "b2"):
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters"""),
    Variant("predict_bool", "predict", """
def predict(X, parameters):
    return forward_propagation(X, parameters)[0] > 0.5"""),
    Variant("predict_float_labels", "predict", """
def predict(X, parameters):
    A2, _ = forward_propagation(X, parameters)
    return np.where(A2 > 0.5, 1.0, 0.0)"""),
]
