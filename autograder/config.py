"""course.yaml, validated: a typo in a due date or a negative point fails loudly, with its path."""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import yaml

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationError,
                      field_validator, model_validator)

from . import COURSE_ROOT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: "course.yaml line N" of each key below this one, filled in by load_course.
    _lines: dict[str, str] = PrivateAttr(default_factory=dict)

    def where(self, *keys: str | int) -> str:
        """Where a key (e.g. "exercises", "forward_propagation") is written, for error messages."""
        return self._lines.get(".".join(map(str, keys)), self._lines.get("", "course.yaml"))


class LatePolicy(_Strict):
    penalty_per_day: float = Field(0.0, ge=0, le=1)
    max_penalty: float = Field(1.0, ge=0, le=1)

    def penalty(self, score: float, submitted: datetime, due: datetime) -> float:
        """Points lost: a share of the score per started day late, capped at max_penalty."""
        late = (submitted - due).total_seconds()
        if late <= 0:
            return 0.0
        days = math.ceil(late / 86400)
        return round(score * min(self.max_penalty, self.penalty_per_day * days), 2)


class Limits(_Strict):
    call_seconds: float = Field(10, gt=0, le=600)
    submission_seconds: float = Field(120, gt=0, le=3600)
    memory_mb: int = Field(1024, ge=256, le=16384)
    output_mb: int = Field(8, ge=1, le=256)

    @model_validator(mode="after")
    def _call_fits_submission(self) -> "Limits":
        if self.call_seconds > self.submission_seconds:
            raise ValueError(f"call_seconds ({self.call_seconds:g}) must not exceed submission_seconds "
                             f"({self.submission_seconds:g}): one call cannot outlast the whole submission")
        return self


class LimitOverrides(_Strict):
    """An assignment's own limits, each falling back to the course's when not given."""
    call_seconds: float | None = Field(None, gt=0, le=600)
    submission_seconds: float | None = Field(None, gt=0, le=3600)
    memory_mb: int | None = Field(None, ge=256, le=16384)
    output_mb: int | None = Field(None, ge=1, le=256)


#: What the sandbox imports before forking a student's process, unless an assignment says otherwise.
DEFAULT_SANDBOX_IMPORTS = ("numpy", "matplotlib.pyplot")
_MODULE = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"


class Assignment(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    title: str
    notebook: str = Field(pattern=r"^[^/\\]+\.ipynb$")
    due: datetime
    exercises: dict[str, float] = Field(min_length=1)
    limits: LimitOverrides = LimitOverrides()
    sandbox_imports: tuple[Annotated[str, StringConstraints(pattern=_MODULE)], ...] = DEFAULT_SANDBOX_IMPORTS

    @field_validator("exercises")
    @classmethod
    def _positive_points(cls, exercises: dict[str, float]) -> dict[str, float]:
        for name, points in exercises.items():
            if not name.isidentifier():
                raise ValueError(f"exercise {name!r} is not a Python function name")
            if points <= 0:
                raise ValueError(f"exercise {name!r} must be worth more than 0 points, not {points}")
        return exercises

    @field_validator("due")
    @classmethod
    def _aware(cls, due: datetime) -> datetime:
        if due.tzinfo is None:
            raise ValueError("give the due date a time zone, e.g. 2026-12-18T23:59:00+00:00")
        return due

    @property
    def total_points(self) -> float:
        return sum(self.exercises.values())


#: When Gradescope shows a result to the student.
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class GradescopeSettings(_Strict):
    """What `autograder gradescope`'s results.json tells Gradescope."""
    tests: Literal["exercise", "case"] = "exercise"   # one Gradescope test per exercise, or per case
    visibility: Visibility = "after_due_date"         # of the score and of every test
    stdout_visibility: Visibility = "hidden"          # the run's log: for instructors


class Course(_Strict):
    course_id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    late_policy: LatePolicy = LatePolicy()
    limits: Limits = Limits()
    gradescope: GradescopeSettings = GradescopeSettings()
    assignments: list[Assignment] = Field(min_length=1)

    @field_validator("assignments")
    @classmethod
    def _unique_ids(cls, assignments: list[Assignment]) -> list[Assignment]:
        ids = [a.id for a in assignments]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"assignment ids must be unique; repeated: {', '.join(duplicated)}")
        return assignments

    def limits_for(self, assignment: Assignment) -> Limits:
        """The course's limits with the assignment's own overrides applied (and re-validated)."""
        given = assignment.limits.model_dump(exclude_none=True)
        try:
            return Limits.model_validate({**self.limits.model_dump(), **given})
        except ValidationError as error:
            raise ConfigError(f"limits of assignment {assignment.id}: "
                              + "; ".join(e["msg"] for e in error.errors())) from None

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        known = ", ".join(a.id for a in self.assignments)
        raise ConfigError(f"no assignment {assignment_id!r} in course.yaml (known: {known})")


def one_assignment_yaml(course: Course, assignment: Assignment) -> str:
    """course.yaml with ``assignment`` alone, for a grader elsewhere (a Gradescope zip, a Dask
    worker) that needs this assignment's settings and nothing else."""
    data = {"course_id": course.course_id, "late_policy": course.late_policy.model_dump(),
            "limits": course.limits.model_dump(), "gradescope": course.gradescope.model_dump(),
            "assignments": [assignment.model_dump(mode="json", exclude_none=True)]}
    return (f"# course.yaml of {assignment.id} alone, written by the autograder from the course's.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


class ConfigError(Exception):
    """course.yaml is missing or wrong; the message says where and how to fix it."""


#: How to fix a wrong value, by the name of its key.
FIXES = {
    "due": "write it like 2026-12-18T23:59:00+00:00 (year-month-day, 24-hour time, time zone)",
    "notebook": "the file name of the notebook in solutions/<assignment id>/, e.g. shallow_network.ipynb",
    "exercises": "function name: points, one per grade cell check_<function name> of the source notebook",
}


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: a date stays text for pydantic to check, so an impossible
    one (month 13, hour 25) is a validation error with a line, not a crash inside the parser."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """The 1-based line of every key and list item of a composed YAML document."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found.update(_lines(value, path + (key.value,)))
            found[path + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, path + (index,)))
    return found


def _line_of(lines: dict[tuple, int], loc: tuple) -> int:
    """The line of ``loc``, or of its closest parent that is in the file."""
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


def load_course(path: Path | str | None = None, root: Path = COURSE_ROOT) -> Course:
    """course.yaml, validated; every error names the file, the line and how to fix it."""
    path = Path(path) if path else root / "course.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        data, node = yaml.load(text, _Loader), yaml.compose(text, _Loader)
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    lines = _lines(node) if node else {}
    try:
        course = Course.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            loc = tuple(e["loc"])
            fix = next((FIXES[part] for part in reversed(loc) if part in FIXES), "")
            problems.append(f"  line {_line_of(lines, loc)}, {'.'.join(map(str, loc)) or '(top level)'}: "
                            f"{e['msg']}" + (f" — {fix}" if fix else ""))
        raise ConfigError(f"{path} is not a valid course file:\n" + "\n".join(problems)) from None
    course._lines = {"": f"{path} line 1"}
    for index, assignment in enumerate(course.assignments):
        assignment._lines = {".".join(map(str, key[2:])): f"{path} line {line}"
                             for key, line in lines.items() if key[:2] == ("assignments", index)}
        notebook = root / "solutions" / assignment.id / assignment.notebook
        if not notebook.is_file():
            raise ConfigError(f"{assignment.where('notebook')}: assignment {assignment.id} names the notebook "
                              f"{assignment.notebook}, but {notebook} does not exist — {FIXES['notebook']}")
    return course
