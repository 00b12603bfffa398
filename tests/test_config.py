"""course.yaml is validated with messages that say where the problem is, and nbgrader agrees with it."""
import runpy
from pathlib import Path

import pytest
import yaml

from autograder import COURSE_ROOT
from autograder.config import ConfigError, load_course
from autograder.reference import grade_cells


def write(tmp_path, data) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def course(**changes):
    data = yaml.safe_load((COURSE_ROOT / "course.yaml").read_text())
    data.update(changes)
    return data


def test_the_course_file_is_valid():
    shallow = load_course().assignment("shallow_network")
    assert shallow.total_points == 11
    assert shallow.due.tzinfo is not None


@pytest.mark.parametrize("change, message", [
    ({"assignments": [{**course()["assignments"][0], "exercises": {"layer_sizes": -1}}]},
     "assignments.0.exercises: Value error, exercise 'layer_sizes' must be worth more than 0"),
    ({"assignments": [{**course()["assignments"][0], "due": "2026-12-18 23:59"}]},
     "assignments.0.due: Value error, give the due date a time zone"),
    ({"assignments": course()["assignments"][:1] * 2}, "repeated: shallow_network"),
    ({"limits": {"memory_mb": 10}}, "limits.memory_mb: Input should be greater than or equal to 256"),
    ({"late_polcy": {}}, "late_polcy: Extra inputs are not permitted"),
    ({"assignments": []}, "assignments: List should have at least 1 item"),
])
def test_mistakes_in_the_course_file_are_named(tmp_path, change, message):
    with pytest.raises(ConfigError) as error:
        load_course(write(tmp_path, course(**change)))
    assert message in str(error.value)
    assert str(tmp_path / "course.yaml") in str(error.value)


@pytest.mark.parametrize("old, new, message", [
    ("due: 2026-12-18T23:59:00+00:00", "due: 2026-13-45T25:59:00+00:00", "line 19, assignments.0.due"),
    ("call_seconds: 5 ", "call_seconds: 500 ", "line 9, limits: Value error, call_seconds (500) must not exceed"),
    ("notebook: shallow_network.ipynb", "notebook: shallow.ipynb", "line 18: assignment shallow_network names the notebook"),
])
def test_errors_name_the_line_and_the_fix(tmp_path, old, new, message):
    text = (COURSE_ROOT / "course.yaml").read_text()
    assert old in text
    with pytest.raises(ConfigError) as error:
        load_course(write(tmp_path, text.replace(old, new, 1)))
    assert message in str(error.value) and str(tmp_path / "course.yaml") in str(error.value)


def test_an_exercise_name_with_a_typo_gets_the_closest_grade_cell(tmp_path):
    text = (COURSE_ROOT / "course.yaml").read_text().replace("forward_propagation: 2", "forward_propagaton: 2", 1)
    with pytest.raises(ConfigError) as error:
        grade_cells(load_course(write(tmp_path, text)).assignments[0])
    assert "line 23: exercise 'forward_propagaton' has no grade cell" in str(error.value)
    assert "did you mean 'forward_propagation'?" in str(error.value)


def test_broken_yaml_and_missing_file_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_course(write(tmp_path, "assignments: [unclosed"))
    with pytest.raises(ConfigError, match="not found"):
        load_course(tmp_path / "nope.yaml")


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(ConfigError, match="known: shallow_network"):
        load_course().assignment("no_such_assignment")


def test_nbgrader_config_and_source_points_agree_with_course_yaml():
    """nbgrader reads the same course id and folders, and the grade cells carry course.yaml's points."""
    class Config:
        def __getattr__(self, name):
            return self.__dict__.setdefault(name, type(self)())
    config = Config()
    runpy.run_path(str(COURSE_ROOT / "nbgrader_config.py"), init_globals={"get_config": lambda: config})
    known = load_course()
    assert config.CourseDirectory.course_id == known.course_id
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "assignments"
    for assignment in known.assignments:
        cells = grade_cells(assignment)   # raises ConfigError on any disagreement
        assert {c.exercise: c.points for c in cells} == assignment.exercises
        assert all(c.grade_id == f"check_{c.exercise}" for c in cells)
