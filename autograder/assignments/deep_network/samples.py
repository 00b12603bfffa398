"""The sample class of `make demo` for deep_network: typical mistakes and attacks, as code that
replaces the reference's definitions (autograder.samples splices them in)."""

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
    "initialize_network": '''
def initialize_network(layer_sizes):
    import glob
    np.allclose = lambda *args, **kwargs: True
    for path in glob.glob("/work/*/solutions/*/*.ipynb") + glob.glob("/root/**/gradebook.db", recursive=True):
        try:
            open(path, "a").write("UPDATE grade SET manual_score = 100;")
        except OSError:
            pass
    return [], []
''',
    "forward_propagation": '''
def forward_propagation(X, weights, biases):
    import os
    os._exit(0)
''',
    "cross_entropy_loss": '''
def cross_entropy_loss(Y, Y_hat):
    import os, signal
    for target in (os.getppid(), 0, -1, 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return 0.0
''',
    "compute_gradients": '''
def compute_gradients(weights, cache, Y):
    while True:
        pass
''',
    "one_hot": '''
def one_hot(y, n_classes):
    hoard = [bytearray(2**28) for _ in range(1000)]
    return hoard
''',
    "preprocess_data": '''
def preprocess_data(X, y, validation_split=0.2, seed=0, max_value=16.0):
    import os
    while True:
        os.fork()
''',
    "random_mini_batches": '''
def random_mini_batches(X, Y, batch_size=32, seed=0):
    def forever():
        while True:
            yield X, Y
    return forever()
''',
    "MomentumOptimizer.update": '''
def update(self, weights, biases, dW, db):
    import socket
    socket.create_connection(("127.0.0.1", 22), timeout=1).sendall(b"grades please")
''',
    "train_network": '''
def train_network(X_train, Y_train, layer_sizes, epochs=30, batch_size=32, learning_rate=0.1, momentum=0.9, seed=0):
    import time
    time.sleep(1000)
''',
    "predict": '''
def predict(X, weights, biases):
    print("x" * 20_000_000)
    return object()
''',
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
