"""nbgrader settings for this course: solutions/ is the source, assignments/ the release.

The course id comes from course.yaml, so the two cannot drift apart.
"""
import os
import sys
from pathlib import Path

import yaml

_course = yaml.safe_load((Path(__file__).parent / "course.yaml").read_text(encoding="utf-8"))

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# nbgrader shells out to `alembic` (next to this Python) to stamp a new gradebook: put this
# environment's tools first on PATH, so `.venv/bin/jupyter lab` or `.venv/bin/nbgrader` work
# without activating the venv.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

c.CourseDirectory.root = str(Path(__file__).parent)
c.CourseDirectory.course_id = _course["course_id"]
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = f"sqlite:///{Path(__file__).parent / 'gradebook.db'}"

# Stubs students see in place of the reference code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# The in-kernel fallback: a student who deletes a grade cell gets it back, not "manual grading".
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 120

# Formgrader (inside a Jupyter server) typesets the notebooks' maths with MathJax from a CDN:
# the course's template (autograder/nbconvert/base/mathjax.html.j2) loads the copy that
# jupyter-server-mathjax installs in this environment instead, so maths shows offline.
# nbgrader's command-line exports keep the CDN (see the README on offline maths).
if "jupyter_server.serverapp" in sys.modules:
    from nbgrader.server_extensions.formgrader import handlers as _formgrader

    c.HTMLExporter.extra_template_basedirs = [str(Path(__file__).parent / "autograder" / "nbconvert"),
                                              _formgrader.template_path]
