"""The sample class of `make demo` for regularization: typical mistakes and attacks, as
definitions that replace the reference's (autograder.samples splices them in)."""

from autograder.samples import (ENDLESS_LOOP, EXIT, FLOOD_OUTPUT, FORK_BOMB, HOARD_MEMORY, KILL_OTHERS, PHONE_HOME,
                                TAMPER, attack)


PENALTY_WITHOUT_HALF = '''
def l2_penalty(weights, l2_lambda):
    return l2_lambda * sum(np.sum(W ** 2) for W in weights)
'''

DROPOUT_SCALED_BY_RATE = '''
def dropout_forward(A, rate, rng):
    mask = rng.random(A.shape) > rate
    return A * mask / rate, mask
'''

SHIFT_WITH_ROLL = '''
def shift_images(images, dx, dy):
    return np.roll(np.roll(images, dx, axis=2), dy, axis=1)
'''

UNBIASED_BATCHNORM = '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mean = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True, ddof=1)
    Z_hat = (Z - mean) / np.sqrt(var + epsilon)
    return gamma * Z_hat + beta, {"Z": Z, "Z_hat": Z_hat, "mean": mean, "var": var, "gamma": gamma,
                                  "epsilon": epsilon}
'''

SYNTAX_ERROR = '''
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.best_epoch = 0

    def should_stop(self, val_loss)
        return False
'''

# One attack per exercise: each must earn nothing and leave the batch running.
ATTACKS = {
    "l2_penalty": attack("def l2_penalty(weights, l2_lambda):", TAMPER, "return weights"),
    "add_l2_gradients": attack("def add_l2_gradients(dW, weights, l2_lambda):", EXIT),
    "dropout_forward": attack("def dropout_forward(A, rate, rng):", KILL_OTHERS, "return A, A"),
    "dropout_backward": attack("def dropout_backward(dA, mask, rate):", ENDLESS_LOOP),
    "train_regularized": attack(
        "def train_regularized(X_train, Y_train, X_val, Y_val, layer_sizes, l2_lambda=0.0, dropout_rate=0.0,\n"
        "                      epochs=150, learning_rate=0.5, seed=0):", HOARD_MEMORY, "return len(hoard)"),
    "batchnorm_forward": attack("def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):", FORK_BOMB),
    "batchnorm_backward": attack("def batchnorm_backward(dout, cache):", PHONE_HOME),
    "LearningRateScheduler": '''
class LearningRateScheduler:
    def __init__(self, initial_lr=0.01, patience=3, factor=0.5):
        pass

    def update(self, current_loss):
        class Everything(float):
            def __eq__(self, other):
                return True
        return Everything(0.0)
''',
    "EarlyStopping": '''
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.best_epoch = self

    def should_stop(self, val_loss):
        def forever():
            while True:
                yield True
        return forever()
''',
    "add_noise": attack("def add_noise(images, std, rng):", FLOOD_OUTPUT, "return images"),
    "shift_images": '''
def shift_images(images, dx, dy):
    return np.zeros((10**5, 10**5))
''',
}

#: Typical mistakes (student -> {definition: code}); hugo hands his in as a renamed copy.
MISTAKES = {
    "chen": {"l2_penalty": PENALTY_WITHOUT_HALF},
    "dara": {"dropout_forward": DROPOUT_SCALED_BY_RATE},
    "emil": {"shift_images": SHIFT_WITH_ROLL},
    "hugo_renamed": {"batchnorm_forward": UNBIASED_BATCHNORM},
    "gus_syntax_error": {"EarlyStopping": SYNTAX_ERROR},
}

LATE, RENAMED = "emil", "hugo_renamed"
