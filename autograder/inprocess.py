"""A Student whose code lives in this process: the reference, and nbgrader's in-kernel path."""
from __future__ import annotations

import copy

from .sandbox import protocol, wire
from .sandbox.session import Session


class InProcessStudent(Session):
    """Runs requests on a live namespace with the sandbox child's own :class:`protocol.Runner`.

    Not a sandbox. Requests are deep-copied so in-place updates never reach the caller's
    inputs, and replies go through the wire codec so graders see exactly the same plain data
    as from the sandbox. A KeyboardInterrupt (the kernel's stop button) is not the student's.
    """

    def __init__(self, namespace: dict, max_bytes: int = 64 * 2**20):
        super().__init__()
        self.namespace = namespace
        self.load_problems: dict[str, str] = {}
        self.max_bytes = max_bytes
        self._runner = protocol.Runner(namespace, reraise=(KeyboardInterrupt,))

    def _request(self, request: dict, subject: str) -> dict:
        reply = self._runner.handle(copy.deepcopy(request))
        try:
            return wire.decode(wire.encode(reply), self.max_bytes)
        except wire.WireError as error:
            return {"kind": "bad", "message": str(error)}
