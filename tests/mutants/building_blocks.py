"""Realistic wrong answers (mutants) and honest variants of the building_blocks exercises.

Each entry replaces one function of the notebook: a mutant with the key of the mistake the
graders must name (mistakes.HINTS), an honest variant with correct code in another style, which
must keep full marks. The seed's own code is among the mutants (its sigmoid and its softmax).
"""
from mutants import Variant


def _f(signature: str, body: str) -> str:
    """A function definition from its signature and an indented body."""
    return f"\ndef {signature}:\n" + "\n".join("    " + line for line in body.strip("\n").splitlines())


def _act(name: str, body: str) -> str:
    return _f(f"{name}(Z)", body)


def _loss(name: str, body: str, epsilon: bool = True) -> str:
    return _f(f"{name}(Y, Y_hat" + (", epsilon=1e-7)" if epsilon else ")"), body)


def _forward(A1="relu(Z1)", A2="softmax(Z2)", Z2="A1 @ params['W2'] + params['b2']",
             cache='{"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}') -> str:
    return _f("two_layer_forward(X, params)", f"""
Z1 = X @ params["W1"] + params["b1"]
A1 = {A1}
Z2 = {Z2}
A2 = {A2}
return A2, {cache}""")


def _backward(dZ2="cache['A2'] - Y", slope="relu_derivative(cache['Z1'])", m="X.shape[0]",
              db="np.sum({dZ}, axis=0, keepdims=True) / m", A1="cache['A1']") -> str:
    return _f("two_layer_backward(X, Y, params, cache)", f"""
m = {m}
dZ2 = {dZ2}
dZ1 = (dZ2 @ params["W2"].T) * {slope}
return {{"dW1": X.T @ dZ1 / m, "db1": {db.format(dZ="dZ1")},
        "dW2": {A1}.T @ dZ2 / m, "db2": {db.format(dZ="dZ2")}}}""")


def _count(body: str) -> str:
    return _f("count_parameters(layer_sizes)", body)


def _sgd(step="value - learning_rate * grads['d' + key]", default="0.01", keys="params.items()") -> str:
    return _f(f"sgd_update(params, grads, learning_rate={default})",
              f"return {{key: {step} for key, value in {keys}}}")


def _momentum(v="beta * velocity[key] + grads['d' + key]", p="params[key] - learning_rate * new_v[key]",
              returned="new_v", signature="learning_rate=0.01, beta=0.9") -> str:
    return _f(f"momentum_update(params, grads, velocity, {signature})", f"""
new_p, new_v = {{}}, {{}}
for key in params:
    new_v[key] = {v}
    new_p[key] = {p}
return new_p, {returned}""")


def _rmsprop(s="beta * cache[key] + (1 - beta) * g ** 2", step="g / (np.sqrt(new_s[key]) + epsilon)") -> str:
    return _f("rmsprop_update(params, grads, cache, learning_rate=0.001, beta=0.9, epsilon=1e-8)", f"""
new_p, new_s = {{}}, {{}}
for key in params:
    g = grads["d" + key]
    new_s[key] = {s}
    new_p[key] = params[key] - learning_rate * {step}
return new_p, new_s""")


def _adam(m="beta1 * m[key] + (1 - beta1) * g", v="beta2 * v[key] + (1 - beta2) * g ** 2",
          m_hat="new_m[key] / (1 - beta1 ** t)", v_hat="new_v[key] / (1 - beta2 ** t)",
          step="m_hat / (np.sqrt(v_hat) + epsilon)", returned="new_m, new_v") -> str:
    return _f("adam_update(params, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8)", f"""
new_p, new_m, new_v = {{}}, {{}}, {{}}
for key in params:
    g = grads["d" + key]
    new_m[key] = {m}
    new_v[key] = {v}
    m_hat = {m_hat}
    v_hat = {v_hat}
    new_p[key] = params[key] - learning_rate * {step}
return new_p, {returned}""")


def _train(init_W1="rng.standard_normal((n_x, n_h)) * np.sqrt(2 / n_x)",
           init_W2="rng.standard_normal((n_h, C)) * np.sqrt(2 / n_h)", b1="np.zeros((1, n_h))",
           rng="np.random.default_rng(seed)", reset="", record="losses.append(categorical_cross_entropy(Y, A2))",
           record_after="", t="epoch + 1", which="optimizer", rate="learning_rate", hidden="n_h") -> str:
    return _f('train(X, Y, n_h=16, optimizer="adam", epochs=100, learning_rate=0.01, seed=0)', f"""
rng = {rng}
n_x, C = X.shape[1], Y.shape[1]
n_h = {hidden}
params = {{"W1": {init_W1}, "b1": {b1},
          "W2": {init_W2}, "b2": np.zeros((1, C))}}
first = {{k: np.zeros_like(p) for k, p in params.items()}}
second = {{k: np.zeros_like(p) for k, p in params.items()}}
losses = []
for epoch in range(epochs):{reset}
    A2, cache = two_layer_forward(X, params)
    {record}
    grads = two_layer_backward(X, Y, params, cache)
    if {which} == "sgd":
        params = sgd_update(params, grads, {rate})
    elif {which} == "momentum":
        params, first = momentum_update(params, grads, first, {rate})
    elif {which} == "rmsprop":
        params, first = rmsprop_update(params, grads, first, {rate})
    else:
        params, first, second = adam_update(params, grads, first, second, {t}, {rate}){record_after}
return params, losses""")


_RESET = """
    first = {k: np.zeros_like(p) for k, p in params.items()}
    second = {k: np.zeros_like(p) for k, p in params.items()}"""

MUTANTS = [
    # relu
    Variant("relu_min", "relu", _act("relu", "return np.minimum(0, Z)"), "relu_min"),
    Variant("relu_abs", "relu", _act("relu", "return np.abs(Z)"), "relu_abs"),
    Variant("relu_in_place", "relu", _act("relu", "Z[Z < 0] = 0\nreturn Z"), "mutates_input"),
    Variant("relu_leaky", "relu", _act("relu", "return np.where(Z > 0, Z, 0.01 * Z)"), "relu_leaky"),
    # relu_derivative
    Variant("relu_derivative_one_at_zero", "relu_derivative", _act("relu_derivative", "return (Z >= 0).astype(float)"),
            "relu_derivative_at_zero"),
    Variant("relu_derivative_is_relu", "relu_derivative", _act("relu_derivative", "return np.maximum(0, Z)"),
            "relu_derivative_is_relu"),
    Variant("relu_derivative_sign", "relu_derivative", _act("relu_derivative", "return np.sign(Z)"),
            "relu_derivative_sign"),
    Variant("relu_derivative_in_place", "relu_derivative",
            _act("relu_derivative", "Z[Z > 0] = 1.0\nZ[Z <= 0] = 0.0\nreturn Z"), "mutates_input"),
    # sigmoid
    Variant("sigmoid_of_the_seed", "sigmoid", _act("sigmoid", "return 1 / (1 + np.exp(-Z))"), "sigmoid_overflow"),
    Variant("sigmoid_where_both_branches", "sigmoid",
            _act("sigmoid", "return np.where(Z >= 0, 1 / (1 + np.exp(-Z)), np.exp(Z) / (1 + np.exp(Z)))"),
            "sigmoid_overflow"),
    Variant("sigmoid_exp_over_one_plus_exp", "sigmoid", _act("sigmoid", "return np.exp(Z) / (1 + np.exp(Z))"),
            "sigmoid_nan"),
    Variant("sigmoid_sign", "sigmoid", _act("sigmoid", "return 1 / (1 + np.exp(Z))"), "sigmoid_sign"),
    Variant("sigmoid_is_tanh", "sigmoid", _act("sigmoid", "return np.tanh(Z)"), "sigmoid_tanh"),
    # sigmoid_derivative
    Variant("sigmoid_derivative_of_Z", "sigmoid_derivative", _act("sigmoid_derivative", "return Z * (1 - Z)"),
            "sigmoid_derivative_of_activation"),
    Variant("sigmoid_derivative_one_factor", "sigmoid_derivative", _act("sigmoid_derivative", "return sigmoid(Z)"),
            "sigmoid_derivative_missing_factor"),
    Variant("sigmoid_derivative_as_tanh", "sigmoid_derivative",
            _act("sigmoid_derivative", "return 1 - sigmoid(Z) ** 2"), "sigmoid_derivative_tanh"),
    Variant("sigmoid_derivative_quotient", "sigmoid_derivative",
            _act("sigmoid_derivative", "return np.exp(-Z) / (1 + np.exp(-Z)) ** 2"), "sigmoid_derivative_not_finite"),
    # tanh
    Variant("tanh_written_out", "tanh", _act("tanh", "return (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))"),
            "tanh_overflow"),
    Variant("tanh_is_sigmoid", "tanh", _act("tanh", "return sigmoid(Z)"), "tanh_is_sigmoid"),
    Variant("tanh_half_argument", "tanh", _act("tanh", "return 2 * sigmoid(Z) - 1"), "tanh_half"),
    # tanh_derivative
    Variant("tanh_derivative_of_Z", "tanh_derivative", _act("tanh_derivative", "return 1 - Z ** 2"),
            "tanh_derivative_of_activation"),
    Variant("tanh_derivative_no_square", "tanh_derivative", _act("tanh_derivative", "return 1 - tanh(Z)"),
            "tanh_derivative_no_square"),
    Variant("tanh_derivative_sigmoid_pattern", "tanh_derivative",
            _act("tanh_derivative", "T = tanh(Z)\nreturn T * (1 - T)"), "tanh_derivative_sigmoid_form"),
    # softmax
    Variant("softmax_of_the_seed", "softmax", _act("softmax", "exp_Z = np.exp(Z - np.max(Z))\nreturn exp_Z / exp_Z.sum()"),
            "softmax_whole_array"),
    Variant("softmax_axis_0", "softmax",
            _act("softmax", "E = np.exp(Z - Z.max(axis=0, keepdims=True))\nreturn E / E.sum(axis=0, keepdims=True)"),
            "softmax_axis0"),
    Variant("softmax_no_shift", "softmax", _act("softmax", "E = np.exp(Z)\nreturn E / E.sum(axis=1, keepdims=True)"),
            "softmax_no_shift"),
    Variant("softmax_global_max", "softmax",
            _act("softmax", "E = np.exp(Z - np.max(Z))\nreturn E / E.sum(axis=1, keepdims=True)"),
            "softmax_global_max"),
    Variant("softmax_not_normalised", "softmax", _act("softmax", "return np.exp(Z - Z.max(axis=1, keepdims=True))"),
            "softmax_not_normalised"),
    # mse_loss
    Variant("mse_sum", "mse_loss", _loss("mse_loss", "return float(np.sum((Y - Y_hat) ** 2))", False), "mse_no_mean"),
    Variant("mse_per_example", "mse_loss",
            _loss("mse_loss", "return float(np.sum((Y - Y_hat) ** 2) / Y.shape[0])", False), "mse_per_example"),
    Variant("mse_half", "mse_loss", _loss("mse_loss", "return float(np.mean((Y - Y_hat) ** 2) / 2)", False),
            "mse_half"),
    Variant("mse_root", "mse_loss", _loss("mse_loss", "return float(np.sqrt(np.mean((Y - Y_hat) ** 2)))", False),
            "mse_root"),
    # binary_cross_entropy
    Variant("bce_no_clip", "binary_cross_entropy",
            _loss("binary_cross_entropy", "return float(-np.mean(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)))"),
            "bce_no_clip"),
    Variant("bce_sign", "binary_cross_entropy", _loss("binary_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon)
return float(np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"""), "bce_sign"),
    Variant("bce_fixed_clip", "binary_cross_entropy", _loss("binary_cross_entropy", """
P = np.clip(Y_hat, 1e-15, 1 - 1e-15)
return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"""), "loss_epsilon_ignored"),
    Variant("bce_sum", "binary_cross_entropy", _loss("binary_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon)
return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"""), "bce_no_mean"),
    Variant("bce_one_term", "binary_cross_entropy",
            _loss("binary_cross_entropy", "return float(-np.mean(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon))))"),
            "bce_one_term"),
    Variant("bce_clips_in_place", "binary_cross_entropy", _loss("binary_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon, out=Y_hat)
return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"""), "mutates_input"),
    # categorical_cross_entropy
    Variant("cce_sum", "categorical_cross_entropy",
            _loss("categorical_cross_entropy", "return float(-np.sum(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon))))"),
            "cce_no_mean"),
    Variant("cce_mean_over_entries", "categorical_cross_entropy",
            _loss("categorical_cross_entropy", "return float(-np.mean(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon))))"),
            "cce_mean_over_classes"),
    Variant("cce_no_clip", "categorical_cross_entropy",
            _loss("categorical_cross_entropy", "return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[0])"), "cce_no_clip"),
    Variant("cce_sign", "categorical_cross_entropy", _loss(
        "categorical_cross_entropy", "return float(np.sum(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon))) / Y.shape[0])"),
        "cce_sign"),
    Variant("cce_binary_formula", "categorical_cross_entropy", _loss("categorical_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon)
return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / Y.shape[0])"""), "cce_binary_formula"),
    Variant("cce_fixed_clip", "categorical_cross_entropy", _loss(
        "categorical_cross_entropy", "return float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-7, 1 - 1e-7))) / Y.shape[0])"),
        "loss_epsilon_ignored"),
    # two_layer_forward
    Variant("forward_sigmoid_hidden", "two_layer_forward", _forward(A1="sigmoid(Z1)"), "forward_hidden_activation"),
    Variant("forward_no_relu", "two_layer_forward", _forward(A1="Z1"), "forward_linear_hidden"),
    Variant("forward_logits_out", "two_layer_forward", _forward(A2="Z2"), "forward_linear_output"),
    Variant("forward_sigmoid_output", "two_layer_forward", _forward(A2="sigmoid(Z2)"), "forward_sigmoid_output"),
    Variant("forward_missing_b2", "two_layer_forward", _forward(Z2="A1 @ params['W2']"), "forward_missing_bias"),
    Variant("forward_cache_without_A2", "two_layer_forward", _forward(cache='{"Z1": Z1, "A1": A1, "Z2": Z2}'),
            "cache_incomplete"),
    Variant("forward_cache_Z1_as_A1", "two_layer_forward", _forward(cache='{"Z1": A1, "A1": Z1, "Z2": Z2, "A2": A2}'),
            "cache_keys_swapped"),
    # two_layer_backward
    Variant("backward_label_minus_prediction", "two_layer_backward", _backward(dZ2="Y - cache['A2']"), "dZ2_sign"),
    Variant("backward_no_relu_slope", "two_layer_backward", _backward(slope="1.0"), "backward_no_relu_derivative"),
    Variant("backward_no_mean", "two_layer_backward", _backward(m="1"), "grads_no_mean"),
    Variant("backward_no_keepdims", "two_layer_backward", _backward(db="np.sum({dZ}, axis=0) / m"), "grads_no_keepdims"),
    Variant("backward_dW2_from_Z1", "two_layer_backward", _backward(A1="cache['Z1']"), "dW2_uses_Z1"),
    Variant("backward_extra_softmax_slope", "two_layer_backward",
            _backward(dZ2="(cache['A2'] - Y) * cache['A2'] * (1 - cache['A2'])"), "dZ2_extra_derivative"),
    # count_parameters
    Variant("count_weights_only", "count_parameters",
            _count("return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))"), "count_without_biases"),
    Variant("count_input_biases", "count_parameters",
            _count("return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])) + sum(layer_sizes)"),
            "count_input_biases"),
    Variant("count_two_layers_only", "count_parameters", _count("""
n_x, n_h, n_y = layer_sizes[0], layer_sizes[1], layer_sizes[-1]
return (n_x * n_h + n_h) + (n_h * n_y + n_y)"""), "count_two_layers_only"),
    # sgd_update
    Variant("sgd_plus", "sgd_update", _sgd(step="value + learning_rate * grads['d' + key]"), "update_plus"),
    Variant("sgd_fixed_rate", "sgd_update", _sgd(step="value - 0.01 * grads['d' + key]"), "learning_rate_ignored"),
    Variant("sgd_weights_only", "sgd_update",
            _sgd(step="value - learning_rate * grads['d' + key] if key.startswith('W') else value"), "weights_only"),
    Variant("sgd_four_keys", "sgd_update",
            _sgd(step="params[key] - learning_rate * grads['d' + key]",
                 keys="(('W1', 0), ('b1', 0), ('W2', 0), ('b2', 0))"), "optimizer_fixed_keys"),
    Variant("sgd_default_rate", "sgd_update", _sgd(default="0.1"), "learning_rate_default"),
    # momentum_update
    Variant("momentum_of_seed_002", "momentum_update",
            _momentum(v="beta * velocity[key] - learning_rate * grads['d' + key]", p="params[key] + new_v[key]"),
            "momentum_seed002_form"),
    Variant("momentum_moving_average", "momentum_update",
            _momentum(v="beta * velocity[key] + (1 - beta) * grads['d' + key]"), "momentum_ema"),
    Variant("momentum_old_velocity", "momentum_update", _momentum(returned="velocity"),
            "momentum_velocity_not_returned"),
    Variant("momentum_steps_along_gradient", "momentum_update",
            _momentum(p="params[key] - learning_rate * grads['d' + key]"), "momentum_step_uses_gradient"),
    Variant("momentum_fixed_beta", "momentum_update", _momentum(v="0.9 * velocity[key] + grads['d' + key]"),
            "beta_ignored"),
    # rmsprop_update
    Variant("rmsprop_no_sqrt", "rmsprop_update", _rmsprop(step="g / (new_s[key] + epsilon)"), "rmsprop_no_sqrt"),
    Variant("rmsprop_epsilon_inside", "rmsprop_update", _rmsprop(step="g / np.sqrt(new_s[key] + epsilon)"),
            "rmsprop_epsilon_inside"),
    Variant("rmsprop_running_sum", "rmsprop_update", _rmsprop(s="cache[key] + g ** 2"), "rmsprop_sum",
            also=("rmsprop_no_one_minus_beta",)),  # from a zero cache the two take the same step
    Variant("rmsprop_no_one_minus_beta", "rmsprop_update", _rmsprop(s="beta * cache[key] + g ** 2"),
            "rmsprop_no_one_minus_beta"),
    # adam_update
    Variant("adam_no_bias_correction", "adam_update", _adam(m_hat="new_m[key]", v_hat="new_v[key]"),
            "adam_no_bias_correction"),
    Variant("adam_t_from_zero", "adam_update",
            _adam(m_hat="new_m[key] / (1 - beta1 ** (t + 1))", v_hat="new_v[key] / (1 - beta2 ** (t + 1))"),
            "adam_t_from_zero"),
    Variant("adam_returns_corrected", "adam_update", _f(
        "adam_update(params, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8)", """
new_p, m_hat, v_hat = {}, {}, {}
for key in params:
    g = grads["d" + key]
    m_hat[key] = (beta1 * m[key] + (1 - beta1) * g) / (1 - beta1 ** t)
    v_hat[key] = (beta2 * v[key] + (1 - beta2) * g ** 2) / (1 - beta2 ** t)
    new_p[key] = params[key] - learning_rate * m_hat[key] / (np.sqrt(v_hat[key]) + epsilon)
return new_p, m_hat, v_hat"""), "adam_returns_corrected"),
    Variant("adam_v_of_gradients", "adam_update", _adam(v="beta2 * v[key] + (1 - beta2) * g"), "adam_v_not_squared"),
    Variant("adam_epsilon_inside", "adam_update", _adam(step="m_hat / np.sqrt(v_hat + epsilon)"),
            "adam_epsilon_inside"),
    Variant("adam_betas_swapped", "adam_update",
            _adam(m="beta2 * m[key] + (1 - beta2) * g", v="beta1 * v[key] + (1 - beta1) * g ** 2",
                  m_hat="new_m[key] / (1 - beta2 ** t)", v_hat="new_v[key] / (1 - beta1 ** t)"),
            "adam_betas_swapped"),
    # train
    Variant("train_xavier_start", "train",
            _train(init_W1="rng.standard_normal((n_x, n_h)) * np.sqrt(1 / n_x)",
                   init_W2="rng.standard_normal((n_h, C)) * np.sqrt(1 / n_h)"), "weights_scale"),
    Variant("train_small_start", "train",
            _train(init_W1="rng.standard_normal((n_x, n_h)) * 0.01", init_W2="rng.standard_normal((n_h, C)) * 0.01"),
            "weights_scale"),
    Variant("train_unscaled_start", "train",
            _train(init_W1="rng.standard_normal((n_x, n_h))", init_W2="rng.standard_normal((n_h, C))"),
            "weights_unscaled", also=("train_not_learning",)),  # from weights this large, 100 epochs fall short
    Variant("train_random_biases", "train", _train(b1="rng.standard_normal((1, n_h))"), "train_biases_random"),
    Variant("train_global_random_state", "train", _train(rng="np.random"),
            "train_seed_ignored"),
    Variant("train_unseeded_generator", "train", _train(rng="np.random.default_rng()"), "train_not_reproducible"),
    Variant("train_loss_after_update", "train",
            _train(record="", record_after="\n    losses.append(categorical_cross_entropy(Y, two_layer_forward(X, params)[0]))"),
            "train_loss_after_update"),
    Variant("train_always_adam", "train", _train(which='"adam"'), "train_optimizer_ignored"),
    Variant("train_fixed_rate", "train", _train(rate="0.01"), "train_learning_rate_ignored"),
    Variant("train_state_reset", "train", _train(reset=_RESET), "train_state_reset"),
    Variant("train_adam_t_fixed", "train", _train(t="1"), "train_adam_t_fixed"),
    Variant("train_adam_t_from_zero", "train", _train(t="epoch"), "train_adam_t_from_zero",
            also=("train_not_learning",)),
    Variant("train_fixed_hidden_size", "train", _train(hidden="16"), "train_n_h_ignored"),
]

HONEST = [
    Variant("relu_where", "relu", _act("relu", "return np.where(Z > 0, Z, 0.0)")),
    Variant("relu_mask_product", "relu", _act("relu", "return Z * (Z > 0)")),
    Variant("relu_copy_then_in_place", "relu", _act("relu", "A = Z.copy()\nA[A < 0] = 0\nreturn A")),
    Variant("relu_derivative_bool", "relu_derivative", _act("relu_derivative", "return Z > 0")),
    Variant("relu_derivative_heaviside", "relu_derivative", _act("relu_derivative", "return np.heaviside(Z, 0.0)")),
    Variant("sigmoid_logaddexp", "sigmoid", _act("sigmoid", "return np.exp(-np.logaddexp(0, -Z))")),
    Variant("sigmoid_by_tanh", "sigmoid", _act("sigmoid", "return 0.5 * (1 + np.tanh(0.5 * Z))")),
    Variant("sigmoid_masks_like_expit", "sigmoid", _act("sigmoid", """
Z = np.asarray(Z, dtype=float)
out = np.empty_like(Z)
positive = Z >= 0
out[positive] = 1 / (1 + np.exp(-Z[positive]))
e = np.exp(Z[~positive])
out[~positive] = e / (1 + e)
return out""")),
    Variant("sigmoid_derivative_s_minus_s_squared", "sigmoid_derivative",
            _act("sigmoid_derivative", "s = sigmoid(Z)\nreturn s - s ** 2")),
    Variant("sigmoid_derivative_stable_quotient", "sigmoid_derivative",
            _act("sigmoid_derivative", "t = np.exp(-np.abs(Z))\nreturn t / (1 + t) ** 2")),
    Variant("tanh_stable_exponentials", "tanh",
            _act("tanh", "t = np.exp(-2 * np.abs(Z))\nreturn np.sign(Z) * (1 - t) / (1 + t)")),
    Variant("tanh_from_sigmoid", "tanh", _act("tanh", "return 2 * sigmoid(2 * Z) - 1")),
    Variant("tanh_derivative_sech", "tanh_derivative", _act("tanh_derivative", "return 1 / np.cosh(Z) ** 2")),
    Variant("tanh_derivative_factored", "tanh_derivative",
            _act("tanh_derivative", "T = np.tanh(Z)\nreturn (1 - T) * (1 + T)")),
    Variant("softmax_row_loop", "softmax", _act("softmax", """
out = np.zeros(Z.shape)
for i, row in enumerate(Z):
    e = np.exp(row - row.max())
    out[i] = e / e.sum()
return out""")),
    Variant("softmax_log_sum_exp", "softmax", _act("softmax", """
top = Z.max(axis=1, keepdims=True)
log_sum = top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
return np.exp(Z - log_sum)""")),
    Variant("mse_square_over_size", "mse_loss",
            _loss("mse_loss", "return np.square(Y - Y_hat).sum() / Y.size", False)),
    Variant("bce_loop_array_answer", "binary_cross_entropy", _loss("binary_cross_entropy", """
total = 0.0
for y, p in zip(Y.ravel(), Y_hat.ravel()):
    p = min(max(p, epsilon), 1 - epsilon)
    total -= y * np.log(p) + (1 - y) * np.log(1 - p)
return np.array([total / Y.size])""")),
    Variant("cce_rows_then_mean", "categorical_cross_entropy", _loss("categorical_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon)
return -np.mean(np.sum(Y * np.log(P), axis=1))""")),
    Variant("cce_einsum", "categorical_cross_entropy", _loss("categorical_cross_entropy", """
P = np.clip(Y_hat, epsilon, 1 - epsilon)
return -np.einsum("ik,ik->", Y, np.log(P)) / len(Y)""")),
    Variant("forward_inline_dot", "two_layer_forward", _f("two_layer_forward(X, params)", """
Z1 = np.dot(X, params["W1"]) + params["b1"]
A1 = np.maximum(Z1, 0)
Z2 = np.dot(A1, params["W2"]) + params["b2"]
E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
A2 = E / E.sum(axis=1, keepdims=True)
cache = {}
cache["Z1"], cache["A1"], cache["Z2"], cache["A2"] = Z1, A1, Z2, A2
return A2, cache""")),
    Variant("backward_mask_from_A1_and_mean", "two_layer_backward", _f("two_layer_backward(X, Y, params, cache)", """
dZ2 = (cache["A2"] - Y) / X.shape[0]
dZ1 = np.einsum("mc,hc->mh", dZ2, params["W2"]) * (cache["A1"] > 0)
return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0, keepdims=True),
        "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(axis=0).reshape(1, -1)}""")),
    Variant("count_numpy_sum", "count_parameters", _count("""
sizes = np.array(layer_sizes)
return np.sum(sizes[:-1] * sizes[1:] + sizes[1:])""")),
    Variant("count_by_index", "count_parameters", _count("""
total = 0
for l in range(1, len(layer_sizes)):
    total = total + layer_sizes[l - 1] * layer_sizes[l] + layer_sizes[l]
return total""")),
    Variant("sgd_in_place", "sgd_update", _f("sgd_update(params, grads, learning_rate=0.01)", """
for key in params:
    params[key] -= learning_rate * grads["d" + key]
return params""")),
    Variant("momentum_in_place", "momentum_update",
            _f("momentum_update(params, grads, velocity, learning_rate=0.01, beta=0.9)", """
for key in params:
    velocity[key] = beta * velocity[key] + grads["d" + key]
    params[key] -= learning_rate * velocity[key]
return params, velocity""")),
    Variant("rmsprop_in_place", "rmsprop_update",
            _f("rmsprop_update(params, grads, cache, learning_rate=0.001, beta=0.9, epsilon=1e-8)", """
for key in params:
    cache[key] *= beta
    cache[key] += (1 - beta) * np.square(grads["d" + key])
    params[key] -= learning_rate * grads["d" + key] / (np.sqrt(cache[key]) + epsilon)
return params, cache""")),
    Variant("adam_in_place_loop", "adam_update",
            _f("adam_update(params, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8)", """
for key in list(params):
    g = grads["d" + key]
    m[key] = beta1 * m[key] + (1 - beta1) * g
    v[key] = beta2 * v[key] + (1 - beta2) * g * g
    m_hat = m[key] / (1 - beta1 ** t)
    v_hat = v[key] / (1 - beta2 ** t)
    params[key] = params[key] - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
return params, m, v""")),
    Variant("train_normal_draws_W2_first_tuple_of_losses", "train",
            _f('train(X, Y, n_h=16, optimizer="adam", epochs=100, learning_rate=0.01, seed=0)', """
rng = np.random.default_rng(seed)
C = Y.shape[1]
W2 = rng.normal(0.0, np.sqrt(2.0 / n_h), size=(n_h, C))
W1 = rng.normal(0.0, np.sqrt(2.0 / X.shape[1]), size=(X.shape[1], n_h))
params = {"W1": W1, "b1": np.zeros((1, n_h)), "W2": W2, "b2": np.zeros((1, C))}
state = [{k: np.zeros_like(p) for k, p in params.items()} for _ in range(2)]
losses = ()
for t in range(1, epochs + 1):
    A2, cache = two_layer_forward(X, params)
    losses += (np.float64(categorical_cross_entropy(Y, A2)),)
    grads = two_layer_backward(X, Y, params, cache)
    if optimizer == "adam":
        params, state[0], state[1] = adam_update(params, grads, state[0], state[1], t, learning_rate=learning_rate)
    elif optimizer == "rmsprop":
        params, state[0] = rmsprop_update(params, grads, state[0], learning_rate=learning_rate)
    elif optimizer == "momentum":
        params, state[0] = momentum_update(params, grads, state[0], learning_rate=learning_rate)
    else:
        params = sgd_update(params, grads, learning_rate=learning_rate)
return params, losses""")),
]
