"""The sample class of `make demo`: what an instructor really meets in a batch.

Beside the submissions every assignment's class has (autograder.samples.write_sample_class:
correct, not started, not JSON, no metadata), the typical mistakes and the attacks of this
assignment, as code that replaces the reference's definitions.
"""
from __future__ import annotations

from autograder.samples import ENDLESS_LOOP, HOARD_MEMORY, KILL_OTHERS, attack

COST_WITHOUT_MEAN = '''
def compute_cost(A2, Y):
    logprobs = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(logprobs))
'''

TANH_HIDDEN_LAYER = '''
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
'''

UPDATE_WITH_PLUS = '''
def update_parameters(parameters, grads, learning_rate=1.2):
    return {key: value + learning_rate * grads["d" + key] for key, value in parameters.items()}
'''

THRESHOLD_AT_ZERO = '''
def predict(X, parameters):
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0).astype(int)
'''

SYNTAX_ERROR = '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = (dZ2 @ cache["A1"].T / m
    return {"dW2": dW2}
'''

# One attack per function: each must earn nothing and leave the batch running.
ATTACKS = {
    "layer_sizes": '''
import glob, os
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None

class AlwaysEqual(tuple):
    def __eq__(self, other):
        return True

def layer_sizes(X, Y):
    for path in glob.glob("/work/*/solutions/*/*.ipynb") + glob.glob("/root/**/gradebook.db", recursive=True):
        try:
            open(path, "a").write("UPDATE grade SET manual_score = 100;")
        except OSError:
            pass
    return AlwaysEqual((0, 0, 0))
''',
    "initialize_parameters": '''
def initialize_parameters(n_x, n_h, n_y):
    import os
    print("1 passed, 0 failed")
    os._exit(0)
''',
    "forward_propagation": attack("def forward_propagation(X, parameters):", KILL_OTHERS, 'return "full marks", {}'),
    "compute_cost": attack("def compute_cost(A2, Y):", ENDLESS_LOOP),
    "backward_propagation": attack("def backward_propagation(parameters, cache, X, Y):", HOARD_MEMORY, "return hoard"),
    "update_parameters": '''
def update_parameters(parameters, grads, learning_rate=1.2):
    import os, subprocess
    try:
        subprocess.Popen(["sh", "-c", ":(){ :|:& };:"])
    except OSError:
        pass
    while True:
        os.fork()
''',
    "nn_model": '''
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, print_cost=False):
    import socket, sys
    socket.create_connection(("127.0.0.1", 22), timeout=1).sendall(b"grades please")
    sys.exit(0)
''',
    "predict": '''
def predict(X, parameters):
    import time
    print("x" * 20_000_000)
    time.sleep(1000)
''',
}


#: Typical mistakes (student -> {function: code}); fay hands hers in as a renamed copy.
MISTAKES = {
    "chen": {"compute_cost": COST_WITHOUT_MEAN},
    "dara": {"forward_propagation": TANH_HIDDEN_LAYER},
    "emil": {"update_parameters": UPDATE_WITH_PLUS},
    "fay_renamed": {"predict": THRESHOLD_AT_ZERO},
    "gus_syntax_error": {"backward_propagation": SYNTAX_ERROR},
}

LATE, RENAMED = "emil", "fay_renamed"
