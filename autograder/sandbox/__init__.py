"""Run student functions in a pre-warmed, locked-down child process, one per submission.

``Sandbox`` owns the zygote (inside bubblewrap when it works); ``Sandbox.open`` gives a
``SandboxedStudent``, the :class:`~autograder.student.Student` graders talk to. The trusted side
is host.py (the sandbox), launch.py (the zygote) and session.py (one submission); child.py runs
inside; protocol.py and wire.py are shared by both sides.
"""
from .host import Sandbox
from .session import SandboxedStudent, SandboxError

__all__ = ["Sandbox", "SandboxedStudent", "SandboxError"]
