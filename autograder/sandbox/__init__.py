"""Run student functions in a pre-warmed, locked-down child process, one per submission.

``Sandbox`` owns the zygote (inside bubblewrap when it works); ``Sandbox.open`` gives a
``SandboxedStudent``, the :class:`~autograder.student.Student` graders talk to. See host.py for
the trusted side and child.py for what runs inside.
"""
from .host import Sandbox, SandboxedStudent, SandboxError

__all__ = ["Sandbox", "SandboxedStudent", "SandboxError"]
