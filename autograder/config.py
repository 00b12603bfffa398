"""course.yaml, validated: a typo in a due date or a negative point fails loudly, with its path."""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated

import yaml

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator,
                      model_validator)

from . import COURSE_ROOT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Course(_Strict):
    course_id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    late_policy: LatePolicy = LatePolicy()
    limits: Limits = Limits()
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


class ConfigError(Exception):
    """course.yaml is missing or wrong; the message says where and how to fix it."""


def load_course(path: Path | str | None = None) -> Course:
    path = Path(path) if path else COURSE_ROOT / "course.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    try:
        return Course.model_validate(data)
    except ValidationError as error:
        problems = "\n".join(
            f"  {'.'.join(str(part) for part in e['loc']) or '(top level)'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigError(f"{path} is not a valid course file:\n{problems}") from None
