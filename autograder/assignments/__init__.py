"""One folder per assignment of course.yaml, holding everything hidden about it: the graders
(test_<id>.py), their cases, the hint table (mistakes.py) and the demo class (samples.py)."""
from __future__ import annotations

import importlib
from types import ModuleType


def content(assignment_id: str, part: str) -> ModuleType:
    """autograder/assignments/<assignment_id>/<part>.py, found from the id in course.yaml."""
    return importlib.import_module(f"{__name__}.{assignment_id}.{part}")
