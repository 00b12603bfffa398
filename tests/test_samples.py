"""Built submissions: definitions spliced into reference answers, as mutants and demo samples use them."""
from autograder.samples import splice

SOURCE = '''
class Counter:
    def __init__(self):
        self.count = 0

    def step(self):
        self.count += 1
        return self.count


def double(x):
    return 2 * x
'''


def test_splice_replaces_a_method_a_function_or_a_whole_class():
    method, done = splice(SOURCE, {"Counter.step": "def step(self):\n    return -1"})
    function, _ = splice(SOURCE, {"double": "def double(x):\n    return x"})
    whole, _ = splice(SOURCE, {"Counter": "class Counter:\n    def step(self):\n        return 'new'"})
    assert done == {"Counter.step"}
    for code, check in [(method, lambda ns: ns["Counter"]().step() == -1 and ns["Counter"]().count == 0),
                        (function, lambda ns: ns["double"](3) == 3 and ns["Counter"]().step() == 1),
                        (whole, lambda ns: ns["Counter"]().step() == "new" and ns["double"](3) == 6)]:
        namespace: dict = {}
        exec(code, namespace)
        assert check(namespace), code


def test_splice_reports_what_it_did_not_find():
    unchanged, done = splice(SOURCE, {"Missing": "class Missing:\n    pass", "Counter.nope": "def nope(self): pass"})
    assert done == set() and unchanged.strip() == SOURCE.strip()
