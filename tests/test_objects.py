"""Students' classes through the one narrow interface: new, bare, call, get, set, call_mutating.

Every honest case runs three ways: in the sandbox under bubblewrap and without it, and through
InProcessStudent (the in-kernel path). The hostile cases that need a process to die or a
deadline to pass run in the sandbox only.
"""
from __future__ import annotations

import contextlib
import os
import random
import textwrap
import time

import numpy as np
import pytest

from autograder.inprocess import InProcessStudent
from autograder.sandbox import protocol
from autograder.student import (
    BadAnswer,
    LostObject,
    MissingAttribute,
    MissingFunction,
    NotImplementedByStudent,
    StudentCrash,
    StudentRaised,
    StudentTimeout,
)
from helpers import ISOLATIONS, SANDBOX_LIMITS, open_student, shared_box

SLACK = 1.0
COUNTER = """
class Counter:
    def __init__(self, start):
        self.n = start
        self.history = []
    def step(self, k=1):
        self.n += k
        self.history.append(self.n)
        return self.n
"""


@pytest.fixture(params=[*ISOLATIONS, "inprocess"])
def notebook(request, boxes):
    """Opens a student whose cells are the given sources, in the sandbox or in this process."""
    if request.param != "inprocess":
        box = shared_box(boxes, request.param)
        return lambda *sources: open_student(box, *sources)

    def in_process(*sources):
        namespace = {"__name__": "__main__"}
        for source in sources:
            exec(textwrap.dedent(source), namespace)  # noqa: S102 - test notebooks
        return contextlib.nullcontext(InProcessStudent(namespace))
    return in_process


# ------------------------------------------------------------------------------- honest classes

def test_new_call_get_set(notebook):
    with notebook(COUNTER) as student:
        counter = student.new("Counter", 3)
        assert counter.call("step") == 4 and counter.call("step", k=2) == 6
        assert counter.get("history") == [4, 6] and counter.get("n") == 6
        counter.set("n", 10)
        assert counter.call("step", 5) == 15 and counter.get("history") == [4, 6, 15]
        other = student.new("Counter", start=0)
        assert other.call("step") == 1 and counter.get("n") == 15  # two objects, two states


def test_bare_skips_init_and_aliases_are_the_same_objects(notebook):
    with notebook("""
            import numpy as np
            class Net:
                def __init__(self, sizes):
                    raise RuntimeError("a broken __init__")
                def update(self, rate):
                    self.parameters["W1"] -= rate
                    self.b1 += rate
                    self.parameters["b1"] += rate
                def shared(self):
                    return self.parameters["W1"] is self.W1, self.parameters["b1"] is self.b1
            """) as student:
        with pytest.raises(StudentRaised, match="a broken __init__"):
            student.new("Net", [2, 1])
        W1, b1 = np.ones((2, 2)), np.zeros(2)
        net = student.bare("Net", {"W1": W1, "b1": b1, "rate": 0.5},
                           aliases={"parameters": ["W1", "b1"]})
        assert net.call("shared") == (True, True)
        net.call("update", 0.25)
        assert np.array_equal(net.get("W1"), np.full((2, 2), 0.75))
        assert np.array_equal(net.get("b1"), [0.5, 0.5])
        assert np.array_equal(net.get("parameters")["b1"], [0.5, 0.5]) and net.get("rate") == 0.5
        assert np.array_equal(W1, np.ones((2, 2))) and np.array_equal(b1, np.zeros(2))  # ours untouched


def test_bare_refuses_aliases_of_attributes_it_does_not_set(notebook):
    with notebook(COUNTER) as student:
        with pytest.raises(ValueError, match="aliases"):
            student.bare("Counter", {"n": 1}, aliases={"all": ["n", "history"]})


def test_call_mutating_reads_back_arguments_changed_in_place(notebook):
    with notebook("""
            def sgd(parameters, grads, rate=0.1):
                for parameter, grad in zip(parameters, grads):
                    parameter -= rate * grad
                parameters.append("seen")
            class Momentum:
                def __init__(self, beta):
                    self.beta = beta
                def step(self, parameters, grads, *, log):
                    parameters[0] *= self.beta
                    log.append(len(grads))
                    return "done"
            """) as student:
        parameters, grads = [np.ones(2), np.ones(3)], [np.ones(2), 2 * np.ones(3)]
        answer, args, kwargs = student.call_mutating("sgd", parameters, grads, rate=0.5)
        assert answer is None and kwargs == {"rate": 0.5} and args[0][2] == "seen"
        assert np.array_equal(args[0][0], [0.5, 0.5]) and np.array_equal(args[0][1], [0, 0, 0])
        assert np.array_equal(args[1][1], [2, 2, 2])
        assert len(parameters) == 2 and np.array_equal(parameters[0], [1, 1])  # ours untouched
        momentum = student.new("Momentum", 0.5)
        answer, args, kwargs = momentum.call_mutating("step", [np.ones(2)], [1, 2], log=[])
        assert answer == "done" and np.array_equal(args[0][0], [0.5, 0.5]) and kwargs == {"log": [2]}


def test_call_strict_turns_numpy_warnings_into_errors_for_that_call_only(notebook):
    with notebook("""
            import numpy as np
            def plain_sigmoid(Z):
                return 1 / (1 + np.exp(-Z))
            def stable_sigmoid(Z):
                t = np.exp(-np.abs(Z))
                return np.where(Z >= 0, 1 / (1 + t), t / (1 + t))
            def log_of(x):
                return np.log(x)
            """) as student, np.errstate(all="ignore"):  # as graders run: strict wins over this
        Z = np.array([-1000.0, 0.0, 1000.0])
        assert np.array_equal(student.call("plain_sigmoid", Z), [0.0, 0.5, 1.0])
        with pytest.raises(StudentRaised, match="^FloatingPointError: overflow"):
            student.call_strict("plain_sigmoid", Z)
        with pytest.raises(StudentRaised, match="^FloatingPointError: divide by zero"):
            student.call_strict("log_of", np.zeros(2))
        assert np.array_equal(student.call_strict("stable_sigmoid", Z), [0.0, 0.5, 1.0])  # underflow is quiet
        assert np.array_equal(student.call("plain_sigmoid", Z), [0.0, 0.5, 1.0])  # the next call is not strict


def test_generators_become_bounded_lists(notebook):
    with notebook(COUNTER, """
            import itertools
            def squares(n):
                for i in range(n):
                    yield i * i
            def forever():
                return itertools.count()
            class Stream:
                def __init__(self):
                    self.rest = iter([3, 4])
                def items(self):
                    return map(str, range(3))
            """) as student:
        assert student.call("squares", 4) == [0, 1, 4, 9]
        assert len(student.call("squares", protocol.MAX_ITEMS)) == protocol.MAX_ITEMS
        started = time.monotonic()
        with pytest.raises(BadAnswer, match=f"more than {protocol.MAX_ITEMS} items"):
            student.call("forever")
        assert time.monotonic() - started < 1
        stream = student.new("Stream")
        assert stream.call("items") == ["0", "1", "2"] and stream.get("rest") == [3, 4]


def test_missing_names_and_stubs(notebook):
    with notebook(COUNTER, """
            def helper():
                return 1
            counter = Counter(0)
            class Stub:
                def __init__(self):
                    raise NotImplementedError
            class Half:
                def done(self):
                    return 1
                def todo(self):
                    raise NotImplementedError
            """) as student:
        for name in ("Nope", "helper", "counter"):
            with pytest.raises(MissingFunction, match=f"^your notebook does not define a class named {name}$"):
                student.new(name)
            with pytest.raises(MissingFunction, match=f"class named {name}$"):
                student.bare(name, {})
        with pytest.raises(NotImplementedByStudent, match=r"^Stub\.__init__ still raises"):
            student.new("Stub")
        half = student.new("Half")
        with pytest.raises(MissingFunction, match=r"^your notebook does not define a method Half\.jump$"):
            half.call("jump")
        with pytest.raises(NotImplementedByStudent, match=r"^Half\.todo still raises"):
            half.call("todo")
        with pytest.raises(MissingAttribute, match="^your Half object has no attribute named weights$"):
            half.get("weights")
        assert half.call("done") == 1 and student.defines("Counter")


def test_seeding_is_the_same_on_every_path(notebook):
    with notebook("""
            import random
            import numpy as np
            def draw():
                return np.random.randn(3), random.random()
            class Drawer:
                def __init__(self):
                    self.first = draw()
                def again(self):
                    return draw()
                @property
                def drawn(self):
                    return draw()
            """) as student:
        np.random.seed(0)
        random.seed(0)
        expected = (np.random.randn(3), random.random())
        drawer = student.new("Drawer")
        answers = [student.call("draw"), drawer.get("first"), drawer.call("again"),
                   drawer.get("drawn"), student.call("draw"), student.call_mutating("draw")[0]]
        for values, number in answers:
            assert np.array_equal(values, expected[0]) and number == expected[1]


def test_statements_are_seeded_too(box):
    with open_student(box, "import random\nimport numpy as np\nAT_LOAD = np.random.randn(2), random.random()",
                      "def loaded():\n    return AT_LOAD") as student:
        values, number = student.call("loaded")
    np.random.seed(0)
    random.seed(0)
    assert np.array_equal(values, np.random.randn(2)) and number == random.random()


def test_an_interrupt_in_the_kernel_is_not_the_students():
    namespace: dict = {}
    exec("class Slow:\n    def wait(self):\n        raise KeyboardInterrupt", namespace)  # noqa: S102
    with pytest.raises(KeyboardInterrupt):
        InProcessStudent(namespace).new("Slow").call("wait")


# ------------------------------------------------------------------------------- hostile classes

def test_objects_are_not_answers(notebook):
    with notebook(COUNTER, """
            class Leaky:
                def __init__(self):
                    self.inner = Counter(1)
                def me(self):
                    return self
                def other(self):
                    return Counter(2)
                def nested(self):
                    return {"W1": self.inner}
                def keep(self, box):
                    box.append(self)
            """) as student:
        leaky = student.new("Leaky")
        for method in ("me", "other", "nested"):
            with pytest.raises(BadAnswer, match="Leaky|Counter"):
                leaky.call(method)
        with pytest.raises(BadAnswer, match="Counter"):
            leaky.get("inner")
        with pytest.raises(BadAnswer, match="Leaky"):
            leaky.call_mutating("keep", [])
        assert leaky.call("keep", []) is None  # what stays in the child is no answer


def test_misbehaving_classes_give_student_errors(notebook):
    with notebook("""
            class NoNew:
                def __new__(cls):
                    return None
            class NeedsArgs:
                def __new__(cls, size):
                    return super().__new__(cls)
            class Secretive:
                def __getattribute__(self, name):
                    raise RuntimeError("no peeking")
            class Frozen:
                def __setattr__(self, name, value):
                    raise TypeError("frozen")
                def ping(self):
                    return "pong"
            class Forgetful:
                def __setattr__(self, name, value):
                    pass
            class Fragile:
                @property
                def loss(self):
                    raise ValueError("no loss yet")
                @property
                def cost(self):
                    return self._cost
            """) as student:
        with pytest.raises(StudentRaised, match=r"NoNew\.__new__ did not return a new NoNew"):
            student.bare("NoNew", {})
        with pytest.raises(StudentRaised, match="TypeError"):
            student.bare("NeedsArgs", {})
        secretive = student.bare("Secretive", {"x": 1})
        for attempt in (lambda: secretive.get("x"), lambda: secretive.call("anything")):
            with pytest.raises(StudentRaised, match="RuntimeError: no peeking"):
                attempt()
        with pytest.raises(StudentRaised, match="TypeError: frozen"):
            student.bare("Frozen", {"x": 1})
        frozen = student.bare("Frozen", {})
        with pytest.raises(StudentRaised, match="TypeError: frozen"):
            frozen.set("x", 1)
        assert frozen.call("ping") == "pong"
        with pytest.raises(StudentRaised, match="AttributeError"):  # its alias cannot be made
            student.bare("Forgetful", {"W1": 1}, aliases={"parameters": ["W1"]})
        fragile = student.bare("Fragile", {})
        with pytest.raises(StudentRaised, match="ValueError: no loss yet"):
            fragile.get("loss")
        with pytest.raises(StudentRaised, match="_cost"):  # not "no attribute named cost"
            fragile.get("cost")


# ------------------------------------------------------------------------------- sandbox only

def test_an_endless_init_times_out_and_bare_still_works(box):
    with open_student(box, """
            class Loop:
                def __init__(self):
                    while True:
                        pass
                def value(self):
                    return self.v
            """) as student:
        started = time.monotonic()
        with pytest.raises(StudentTimeout, match=r"^Loop\.__init__ took longer than the 1 s"):
            student.new("Loop")
        assert time.monotonic() - started < SANDBOX_LIMITS.call_seconds + SLACK
        assert student.bare("Loop", {"v": 5}).call("value") == 5
        started = time.monotonic()
        with pytest.raises(StudentTimeout, match=r"Loop\.__init__"):
            student.new("Loop")
        assert time.monotonic() - started < 0.1


def test_a_generator_that_never_yields_times_out(box):
    with open_student(box, "def stuck():\n    yield 1\n    while True:\n        pass",
                      "def fine():\n    return 1") as student:
        started = time.monotonic()
        with pytest.raises(StudentTimeout, match="^stuck took longer"):
            student.call("stuck")
        assert time.monotonic() - started < SANDBOX_LIMITS.call_seconds + SLACK
        assert student.call("fine") == 1


def test_objects_are_lost_with_their_process(box):
    with open_student(box, COUNTER, """
            import os
            def crash():
                os._exit(1)
            class Bomb:
                def explode(self):
                    os._exit(2)
                def spin(self):
                    while True:
                        pass
            """) as student:
        counter = student.new("Counter", 1)
        with pytest.raises(StudentCrash, match="exit code 1"):
            student.call("crash")
        for attempt in (lambda: counter.call("step"), lambda: counter.get("n"),
                        lambda: counter.set("n", 3), lambda: counter.call_mutating("step")):
            with pytest.raises(LostObject, match=r"^Counter\.\w+ could not run: its object was lost "
                                                 "because an earlier call ended"):
                attempt()
        fresh = student.new("Counter", 1)
        assert fresh.call("step") == 2
        bomb = student.new("Bomb")
        with pytest.raises(StudentCrash, match=r"Bomb\.explode.*exit code 2"):
            bomb.call("explode")
        with pytest.raises(LostObject):
            fresh.call("step")
        bomb = student.new("Bomb")
        with pytest.raises(StudentTimeout, match=r"^Bomb\.spin took longer"):
            bomb.call("spin")
        with pytest.raises(LostObject):
            bomb.get("anything")
        assert student.new("Counter", 7).call("step") == 8


def test_a_child_cannot_forge_an_object_reply(box):
    with open_student(box, """
            import os, struct, sys, wire
            class Forger:
                def forge(self):
                    frame = sys._getframe(1)
                    while "request" not in frame.f_locals:
                        frame = frame.f_back
                    seq = frame.f_locals["request"]["seq"]
                    body = wire.encode({"seq": seq, "kind": "ok", "value": 5})  # mutating wants 3 items
                    for fd in range(64):  # every fd the child may hold (/proc may be unreadable)
                        try:
                            os.write(fd, struct.pack("!Q", len(body)) + body)
                        except OSError:
                            pass
                    os._exit(0)
            """) as student:
        with pytest.raises(BadAnswer, match="could not be read back"):
            student.new("Forger").call_mutating("forge")


def test_protocol_checks_replies_and_frames():
    call = {"seq": 1, "op": "call", "mutating": True}
    assert protocol.well_formed(call, {"seq": 1, "kind": "ok", "value": (1, [], {})})
    for value in ((1, [], []), (1, []), [1, [], {}], 5):
        assert not protocol.well_formed(call, {"seq": 1, "kind": "ok", "value": value})
    assert not protocol.well_formed({"seq": 2, "op": "new"}, {"seq": 2, "kind": "ok", "value": 3})
    assert not protocol.well_formed({"seq": 2, "op": "get"}, {"seq": 3, "kind": "ok", "value": 3})
    read, write = os.pipe()
    try:
        protocol.write_frame(write, b"hello")
        assert protocol.read_frame(read, 5) == b"hello"
        with pytest.raises(protocol.Timeout):
            protocol.read_frame(read, 5, deadline=time.monotonic() + 0.05)
        protocol.write_frame(write, b"too long")
        with pytest.raises(protocol.TooLarge):
            protocol.read_frame(read, 5)
        os.read(read, 100)
        protocol.write_frame(write, b"cut")
        os.close(write)
        os.read(read, 9)
        with pytest.raises(protocol.Closed):  # the writer left mid-frame
            protocol.read_frame(read, 5)
    finally:
        os.close(read)
