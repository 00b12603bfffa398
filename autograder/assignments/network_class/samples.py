"""The sample class of `make demo` for network_class: typical mistakes and attacks, as methods
that replace the reference's in SimpleNeuralNetwork (autograder.samples splices them in)."""

from autograder.samples import (ENDLESS_LOOP, EXIT, FLOOD_OUTPUT, FORK_BOMB, HOARD_MEMORY, KILL_OTHERS, PHONE_HOME,
                                TAMPER, attack)


COLUMN_MAJOR_FORWARD = '''
def forward_propagation(self, X):
    Z1 = self.W1.T @ X.T + self.b1.T
    A1 = self.sigmoid(Z1)
    Z2 = self.W2.T @ A1 + self.b2.T
    A2 = self.sigmoid(Z2)
    self.cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "X": X}
    return A2
'''

STALE_PARAMETERS = '''
def update_parameters(self, learning_rate):
    self.W1 = self.W1 - learning_rate * self.gradients["dW1"]
    self.b1 = self.b1 - learning_rate * self.gradients["db1"]
    self.W2 = self.W2 - learning_rate * self.gradients["dW2"]
    self.b2 = self.b2 - learning_rate * self.gradients["db2"]
'''

BIASES_WITHOUT_KEEPDIMS = '''
def backward_propagation(self, Y):
    m = Y.shape[0]
    X, A1, A2 = self.cache["X"], self.cache["A1"], self.cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (dZ2 @ self.W2.T) * self.sigmoid_derivative(self.cache["Z1"])
    self.gradients = {"dW1": X.T @ dZ1 / m, "db1": np.sum(dZ1, axis=0) / m,
                      "dW2": A1.T @ dZ2 / m, "db2": np.sum(dZ2, axis=0) / m}
'''

LOSS_WITHOUT_MEAN = '''
def compute_loss(self, Y, Y_hat):
    return float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)))
'''

SYNTAX_ERROR = '''
def sigmoid_derivative(self, Z):
    s = self.sigmoid(Z
    return s * (1 - s)
'''

# One attack per method: each must earn nothing and leave the batch running.
ATTACKS = {
    "SimpleNeuralNetwork.__init__": attack("def __init__(self, input_size, hidden_size, output_size):", TAMPER,
                                           "self.W1 = self.W2 = self.b1 = self.b2 = self"),
    "SimpleNeuralNetwork.sigmoid": attack("def sigmoid(self, Z):", EXIT),
    "SimpleNeuralNetwork.sigmoid_derivative": attack("def sigmoid_derivative(self, Z):", KILL_OTHERS, "return Z"),
    "SimpleNeuralNetwork.forward_propagation": attack("def forward_propagation(self, X):", ENDLESS_LOOP),
    "SimpleNeuralNetwork.compute_loss": attack("def compute_loss(self, Y, Y_hat):", HOARD_MEMORY, "return len(hoard)"),
    "SimpleNeuralNetwork.backward_propagation": attack("def backward_propagation(self, Y):", FORK_BOMB),
    "SimpleNeuralNetwork.update_parameters": attack("def update_parameters(self, learning_rate):", PHONE_HOME),
    "SimpleNeuralNetwork.train": '''
def train(self, X, Y, epochs=1000, learning_rate=0.5):
    def forever():
        while True:
            yield 0.0
    return forever()
''',
    "SimpleNeuralNetwork.predict": attack("def predict(self, X):", FLOOD_OUTPUT, "return self"),
}

#: Typical mistakes (student -> {method: code}); hugo hands his in as a renamed copy.
MISTAKES = {
    "chen": {"SimpleNeuralNetwork.compute_loss": LOSS_WITHOUT_MEAN},
    "dara": {"SimpleNeuralNetwork.forward_propagation": COLUMN_MAJOR_FORWARD},
    "emil": {"SimpleNeuralNetwork.update_parameters": STALE_PARAMETERS},
    "hugo_renamed": {"SimpleNeuralNetwork.backward_propagation": BIASES_WITHOUT_KEEPDIMS},
    "gus_syntax_error": {"SimpleNeuralNetwork.sigmoid_derivative": SYNTAX_ERROR},
}

LATE, RENAMED = "emil", "hugo_renamed"
