"""The instructor's side of the course: hidden graders, sandbox, batch grading, reports."""
from pathlib import Path

#: The course checkout this package was installed from (editable install).
COURSE_ROOT = Path(__file__).resolve().parent.parent
#: The name this package is installed under (pyproject.toml's [project] name).
DISTRIBUTION = "nn-course-autograder"
