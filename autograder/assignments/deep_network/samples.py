"""The sample class of `make demo` for deep_network: typical mistakes and attacks, as code that
replaces the reference's definitions (autograder.samples splices them in)."""

from autograder.samples import (ENDLESS_LOOP, EXIT, FLOOD_OUTPUT, FORK_BOMB, HOARD_MEMORY, KILL_OTHERS, PHONE_HOME,
                                TAMPER, attack)


SMALL_INITIALISATION = '''
def initialize_network(layer_sizes):
    weights, biases = [], []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(np.random.randn(n_in, n_out) * 0.01)
        biases.append(np.zeros((1, n_out)))
    return weights, biases
'''

GRADIENTS_APPENDED_BACKWARDS = '''
def compute_gradients(weights, cache, Y):
    m = Y.shape[0]
    activations, Zs = cache["activations"], cache["Z"]
    dW, db = [], []
    dZ = activations[-1] - Y
    for l in reversed(range(len(weights))):
        dW.append(activations[l].T @ dZ / m)
        db.append(np.sum(dZ, axis=0, keepdims=True) / m)
        if l > 0:
            dZ = (dZ @ weights[l].T) * (Zs[l - 1] > 0)
    return dW, db
'''

GLOBAL_SHUFFLE = '''
def preprocess_data(X, y, validation_split=0.2, seed=0, max_value=16.0):
    X = X / 255.0
    Y = one_hot(y, len(np.unique(y)))
    indices = np.arange(X.shape[0])
    np.random.shuffle(indices)
    X, Y = X[indices], Y[indices]
    split = int(X.shape[0] * (1 - validation_split))
    return X[:split], Y[:split], X[split:], Y[split:]
'''

SEED_EPOCH_AVERAGE = '''
def train_network(X_train, Y_train, layer_sizes, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0):
    np.random.seed(seed)
    weights, biases = initialize_network(layer_sizes)
    optimizer = MomentumOptimizer(learning_rate, momentum)
    history = {"loss": []}
    for epoch in range(epochs):
        epoch_loss = 0.0
        for X_batch, Y_batch in random_mini_batches(X_train, Y_train, batch_size, seed=seed + epoch):
            Y_hat, cache = forward_propagation(X_batch, weights, biases)
            epoch_loss += cross_entropy_loss(Y_batch, Y_hat)
            dW, db = compute_gradients(weights, cache, Y_batch)
            optimizer.update(weights, biases, dW, db)
        history["loss"].append(epoch_loss / (X_train.shape[0] / batch_size))
    return weights, biases, history
'''

SYNTAX_ERROR = '''
def evaluate(y_true, y_pred, n_classes):
    confusion = np.zeros((n_classes, n_classes)
    return {"accuracy": np.mean(y_true == y_pred)}
'''

# One attack per exercise: each must earn nothing and leave the batch running.
ATTACKS = {
    "initialize_network": attack("def initialize_network(layer_sizes):", TAMPER, "return [], []"),
    "forward_propagation": attack("def forward_propagation(X, weights, biases):", EXIT),
    "cross_entropy_loss": attack("def cross_entropy_loss(Y, Y_hat):", KILL_OTHERS, "return 0.0"),
    "compute_gradients": attack("def compute_gradients(weights, cache, Y):", ENDLESS_LOOP),
    "one_hot": attack("def one_hot(y, n_classes):", HOARD_MEMORY, "return hoard"),
    "preprocess_data": attack("def preprocess_data(X, y, validation_split=0.2, seed=0, max_value=16.0):", FORK_BOMB),
    "random_mini_batches": '''
def random_mini_batches(X, Y, batch_size=32, seed=0):
    def forever():
        while True:
            yield X, Y
    return forever()
''',
    "MomentumOptimizer.update": attack("def update(self, weights, biases, dW, db):", PHONE_HOME),
    "train_network": '''
def train_network(X_train, Y_train, layer_sizes, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0):
    import time
    time.sleep(1000)
''',
    "predict": attack("def predict(X, weights, biases):", FLOOD_OUTPUT, "return object()"),
    "evaluate": '''
class AlwaysEqual(dict):
    def __eq__(self, other):
        return True

def evaluate(y_true, y_pred, n_classes):
    return AlwaysEqual(accuracy=1.0)
''',
}

#: Typical mistakes (student -> {target: code}); ines hands hers in as a renamed copy.
MISTAKES = {
    "chen": {"initialize_network": SMALL_INITIALISATION},
    "dara": {"compute_gradients": GRADIENTS_APPENDED_BACKWARDS},
    "emil": {"preprocess_data": GLOBAL_SHUFFLE},
    "ines_renamed": {"train_network": SEED_EPOCH_AVERAGE},
    "gus_syntax_error": {"evaluate": SYNTAX_ERROR},
}

LATE, RENAMED = "emil", "ines_renamed"
