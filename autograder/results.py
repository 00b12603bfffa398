"""What grading one submission produces: plain records that travel between worker processes
as JSON and feed the gradebook, the feedback pages and the class report.

Every text in here is safe to show the student: case descriptions and hints come from the
graders, problems from the trusted side. No hidden input or expected value is ever stored.
Texts may still quote the student (their code, their answer, their file names), so a
SubmissionResult bounds and cleans them whenever one is built: in the worker, and again when
its dict comes back (from_dict).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

MAX_TEXT = 300       # characters of one hint, description, problem or notebook path
MAX_PROBLEMS = 20    # problems listed per submission; the last says how many more there were
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}   # Unicode categories that hide or reorder text


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """text cut to ``limit`` characters ("…" marks the cut), without control, format or
    line/paragraph separator characters except newlines and tabs; applying it twice changes nothing."""
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    if text.replace("\n", "").replace("\t", "").isprintable():  # the usual case, checked in C:
        return text  # no character of a category in _HIDDEN is printable
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) not in _HIDDEN)


def _capped(problems: list[str]) -> list[str]:
    """At most MAX_PROBLEMS cleaned problems, the last one saying how many were left out."""
    if len(problems) <= MAX_PROBLEMS:
        return [clean_text(problem) for problem in problems]
    return [*map(clean_text, problems[:MAX_PROBLEMS - 1]),
            f"… and {len(problems) - MAX_PROBLEMS + 1} more problems"]


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
    #: exercises it calls that failed their own checks: its failures may be theirs (knock-on)
    relies_on_failing: list[str] = field(default_factory=list)

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


def check_lines(exercise: ExerciseResult) -> list[str]:
    """One line per case, "<what it checks>: passed" or "...: FAILED: <hint>", as a grade cell
    prints them in the kernel and shows them in the autograded notebook."""
    return [f"{case.description}: " + ("passed" if case.passed else f"FAILED: {case.hint}") for case in exercise.cases]


@dataclass
class SubmissionResult:
    student_id: str
    assignment: str
    notebook: str          # path of the notebook that was graded, relative to the submissions dir
    exercises: list[ExerciseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. "cell 7 has a SyntaxError: ..."
    seconds: float = 0.0
    isolation: str = ""    # what confined the student's code: "bubblewrap", "landlock" or "none"
    submitted_at: str = "" # ISO time from nbgrader's timestamp.txt, "" when unknown
    late_penalty: float = 0.0  # points taken off for lateness (course.yaml late_policy)

    def __post_init__(self) -> None:
        """The boundary: every text a student could influence is bounded and cleaned here."""
        self.notebook = clean_text(self.notebook)
        self.problems = _capped(self.problems)
        for exercise in self.exercises:
            for case in exercise.cases:
                case.description, case.hint, case.mistake = map(clean_text, (case.description, case.hint,
                                                                             case.mistake))

    @property
    def score(self) -> float:
        return round(sum(exercise.points for exercise in self.exercises), 2)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_points for exercise in self.exercises)

    def to_dict(self) -> dict:
        """As dataclasses.asdict would give it, built directly: a worker and the batch's parent
        do this for every submission, and asdict's generic deep copy costs a millisecond."""
        return {**vars(self), "problems": list(self.problems),
                "exercises": [{**vars(exercise), "relies_on_failing": list(exercise.relies_on_failing),
                               "cases": [dict(vars(case)) for case in exercise.cases]}
                              for exercise in self.exercises]}

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        exercises = [
            ExerciseResult(**{**e, "cases": [CaseResult(**c) for c in e["cases"]]})
            for e in data["exercises"]
        ]
        return cls(**{**data, "exercises": exercises})
