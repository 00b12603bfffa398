"""What grading one submission produces: plain records that travel between worker processes
as JSON and feed the gradebook, the feedback pages and the class report.

Every text in here is safe to show the student: case descriptions and hints come from the
graders, problems from the trusted side. No hidden input or expected value is ever stored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class CaseResult:
    case_id: str           # stable id, e.g. "worked_example"
    description: str       # what the case checks, in words
    weight: float          # share of the exercise's points
    passed: bool
    hint: str = ""         # why it failed: the likely mistake, in words ("" when passed)
    mistake: str = ""      # key of the recognised mistake in the hint table, if any


@dataclass
class ExerciseResult:
    name: str              # function name, e.g. "forward_propagation"
    grade_id: str          # the grade cell's grade_id in the source notebook
    max_points: float
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        """Partial credit: the weighted share of passed cases, rounded to 0.01 point."""
        total = sum(case.weight for case in self.cases)
        if not total:
            return 0.0
        earned = sum(case.weight for case in self.cases if case.passed)
        return round(self.max_points * earned / total, 2)

    @property
    def first_failure(self) -> CaseResult | None:
        return next((case for case in self.cases if not case.passed), None)


@dataclass
class SubmissionResult:
    student_id: str
    assignment: str
    notebook: str          # path of the notebook that was graded, relative to the submissions dir
    exercises: list[ExerciseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. "cell 7 has a SyntaxError: ..."
    seconds: float = 0.0
    isolation: str = ""    # "bubblewrap" or "none" (rlimits + seccomp only)
    submitted_at: str = "" # ISO time from nbgrader's timestamp.txt, "" when unknown
    late_penalty: float = 0.0  # points taken off for lateness (course.yaml late_policy)

    @property
    def score(self) -> float:
        return round(sum(exercise.points for exercise in self.exercises), 2)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_points for exercise in self.exercises)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        exercises = [
            ExerciseResult(**{**e, "cases": [CaseResult(**c) for c in e["cases"]]})
            for e in data["exercises"]
        ]
        return cls(**{**data, "exercises": exercises})
