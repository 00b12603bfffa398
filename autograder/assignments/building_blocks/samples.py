"""The sample class of `make demo` for building_blocks: typical mistakes (the seed's own among
them) and attacks, as code that replaces the reference's definitions."""

SEED_SIGMOID = '''
def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))
'''

SEED_SOFTMAX = '''
def softmax(Z):
    exp_Z = np.exp(Z - np.max(Z))
    return exp_Z / exp_Z.sum()
'''

CCE_AVERAGED_OVER_CLASSES = '''
def categorical_cross_entropy(Y, Y_hat, epsilon=1e-7):
    return float(-np.mean(Y * np.log(np.clip(Y_hat, epsilon, 1 - epsilon))))
'''

ADAM_WITHOUT_BIAS_CORRECTION = '''
def adam_update(params, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    for key in params:
        g = grads["d" + key]
        m[key] = beta1 * m[key] + (1 - beta1) * g
        v[key] = beta2 * v[key] + (1 - beta2) * g ** 2
        params[key] = params[key] - learning_rate * m[key] / (np.sqrt(v[key]) + epsilon)
    return params, m, v
'''

SYNTAX_ERROR = '''
def two_layer_backward(X, Y, params, cache):
    m = X.shape[0]
    dZ2 = cache["A2"] - Y
    dW2 = (cache["A1"].T @ dZ2 / m
    return {"dW2": dW2}
'''

# One attack per exercise kind, each a different way to cheat or to take the grader down: each
# must earn nothing and leave the batch running.
ATTACKS = {
    "relu": '''
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None

class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

def relu(Z):
    return np.zeros_like(Z).view(AlwaysEqual)
''',
    "sigmoid": '''
def sigmoid(Z):
    import os
    print("18 passed, 0 failed")
    os._exit(0)
''',
    "softmax": '''
def softmax(Z):
    import glob
    stolen = []
    for pattern in ("/work/*/autograder/assignments/*/mistakes.py", "/**/gradebook.db", "/proc/1/environ"):
        for path in glob.glob(pattern, recursive=True)[:3]:
            try:
                stolen.append(open(path, errors="replace").read(2000))
            except OSError:
                pass
    return "\\n".join(stolen) or Z
''',
    "mse_loss": '''
def mse_loss(Y, Y_hat):
    while True:
        Y_hat = Y_hat + 0
''',
    "two_layer_forward": '''
def two_layer_forward(X, params):
    grow = [np.ones(2**25) for _ in range(1000)]
    return grow[0], {}
''',
    "sgd_update": '''
def sgd_update(params, grads, learning_rate=0.01):
    import sys
    sys.setrecursionlimit(10**7)

    def deeper(n):
        return deeper(n + 1) + 1
    return deeper(0)
''',
    "adam_update": '''
def adam_update(params, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    import os
    try:
        os.killpg(0, 9)
    except OSError:
        pass
    with open("/tmp/../proc/self/fd/1", "w") as out:
        out.write("adam_update: 2 / 2")
    return params, m, v
''',
    "train": '''
def train(X, Y, n_h=16, optimizer="adam", epochs=100, learning_rate=0.01, seed=0):
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b"train scores please", ("127.0.0.1", 53))
    return None
''',
    "count_parameters": '''
def count_parameters(layer_sizes):
    import time
    print("x" * 20_000_000)
    time.sleep(1000)
''',
}

#: Typical mistakes (student -> {function: code}); fay hands hers in as a renamed copy.
MISTAKES = {
    "chen": {"categorical_cross_entropy": CCE_AVERAGED_OVER_CLASSES},
    "dara_seed_code": {"sigmoid": SEED_SIGMOID, "softmax": SEED_SOFTMAX},
    "emil": {"adam_update": ADAM_WITHOUT_BIAS_CORRECTION},
    "fay_renamed": {"softmax": SEED_SOFTMAX},
    "gus_syntax_error": {"two_layer_backward": SYNTAX_ERROR},
}

LATE, RENAMED = "emil", "fay_renamed"
