"""Feedback pages and the class report, from hand-made results."""
from __future__ import annotations

import csv
import re
import struct
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rich.console import Console

from autograder.config import Assignment
from autograder.feedback import write_feedback
from autograder.report import class_stats, summary_table, write_class_report
from autograder.results import CaseResult, ExerciseResult, SubmissionResult

XSS = "<script>alert(1)</script>"
TOY = Assignment(id="toy_net", title="A toy <net> & friends", notebook="toy_net.ipynb",
                 due=datetime(2026, 12, 18, 23, 59, tzinfo=timezone.utc),
                 exercises={"sizes": 1, "forward": 2, "predict": 1})


def case(passed: bool, hint: str = "", mistake: str = "", description: str = "the worked example"
         ) -> CaseResult:
    return CaseResult(f"case_{hint or 'ok'}", description, 1.0, passed, "" if passed else hint, mistake)


def exercise(name: str, *cases: CaseResult) -> ExerciseResult:
    return ExerciseResult(name, f"check_{name}", TOY.exercises[name], list(cases))


def result(student_id: str, *exercises: ExerciseResult, problems: list[str] | None = None
           ) -> SubmissionResult:
    return SubmissionResult(student_id, TOY.id, f"{student_id}/{TOY.id}/{TOY.notebook}", list(exercises),
                            problems or [])


TRANSPOSE = "dW1 has the wrong shape: did you forget to transpose X?"


@pytest.fixture
def small_class() -> list[SubmissionResult]:
    """Four students; by hand: totals 4, 2, 1, 2 (ivan never reached predict)."""
    return [
        result("ada", exercise("sizes", case(True)), exercise("forward", case(True), case(True)),
               exercise("predict", case(True))),
        result("zoë", exercise("sizes", case(True)),
               exercise("forward", case(True), case(False, TRANSPOSE, "no_transpose")),
               exercise("predict", case(False, "predict returns probabilities; threshold them at 0.5"))),
        result("学生01", exercise("sizes", case(False, "n_h should be 4", "hidden_size")),
               exercise("forward", case(False, TRANSPOSE, "no_transpose"),
                        case(False, TRANSPOSE + " (again)", "no_transpose")),
               exercise("predict", case(True)), problems=["cell 7 has a SyntaxError: invalid syntax"]),
        result("ivan", exercise("sizes", case(True)),
               exercise("forward", case(False, TRANSPOSE, "no_transpose"), case(True))),
    ]


# --- feedback pages -------------------------------------------------------------------------

def test_feedback_page_shows_scores_checks_hints_and_problems(tmp_path: Path, small_class):
    page = write_feedback(small_class[1], tmp_path, TOY.title, "toy_net")
    assert page == tmp_path / "zoë" / "toy_net" / "toy_net.html"
    html = page.read_text(encoding="utf-8")
    assert "<title>Feedback: A toy &lt;net&gt; &amp; friends</title>" in html
    assert re.search(r">2</span>\s*<span[^>]*>out of 4 points", html)
    for name in TOY.exercises:
        assert f"<code>{name}</code>" in html
    assert "1 / 1" in html and "1 / 2" in html and "0 / 1" in html
    assert TRANSPOSE in html and "threshold them at 0.5" in html
    assert "1 of 2 checks passed" in html


def test_feedback_page_escapes_everything_from_the_result(tmp_path: Path):
    hostile = result("mallory<img src=x onerror=alert(1)>",
                     exercise("sizes", case(False, hint=XSS, description=f"desc {XSS}")),
                     problems=[f"cell 2 has a SyntaxError: {XSS}"])
    html = write_feedback(hostile, tmp_path, f"title {XSS}", "toy_net").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5  # title x2, description, hint, problem
    assert "mallory&lt;img src=x onerror=alert(1)&gt;" in html
    assert "script-src" not in html and "default-src 'none'" in html   # CSP: no script at all
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", html)       # no external asset
    assert "<link" not in html


@pytest.mark.parametrize("student_id",
                         ["..", ".", "", "../escaped", "a/../../b", "/tmp/abs", "a\\b", "nul\0"])
def test_feedback_refuses_ids_that_could_leave_out_dir(tmp_path: Path, student_id: str):
    out = tmp_path / "feedback"
    with pytest.raises(ValueError):
        write_feedback(result(student_id, exercise("sizes", case(True))), out, TOY.title, "toy_net")
    assert not any(tmp_path.iterdir())


def test_feedback_refuses_a_symlinked_student_folder(tmp_path: Path):
    out, elsewhere = tmp_path / "feedback", tmp_path / "elsewhere"
    out.mkdir(), elsewhere.mkdir()
    (out / "eve").symlink_to(elsewhere)
    with pytest.raises(ValueError, match="outside"):
        write_feedback(result("eve", exercise("sizes", case(True))), out, TOY.title, "toy_net")
    assert not any(elsewhere.iterdir())


def test_feedback_accepts_unusual_but_harmless_ids(tmp_path: Path):
    for student_id in ("a..b", "学生 01", "-rf"):
        page = write_feedback(result(student_id, exercise("sizes", case(True))), tmp_path, TOY.title, "toy_net")
        assert page.parent.parent == tmp_path / student_id and page.is_file()


# --- class report ---------------------------------------------------------------------------

def test_class_stats_pass_rates_means_and_top_mistakes(small_class):
    stats = class_stats(small_class, TOY)
    assert stats.totals == {"ada": 4.0, "zoë": 2.0, "学生01": 1.0, "ivan": 2.0}
    assert [(e.name, e.pass_rate, e.mean_points) for e in stats.exercises] == [
        ("sizes", 0.75, 0.75), ("forward", 0.25, 1.0), ("predict", 0.5, 0.5)]
    # no_transpose: three students, counted once each although 学生01 failed two cases with it,
    # in its plainest wording; ties are in course.yaml order of the exercise. zoë's predict hint
    # names no mistake of the hint table, so it is not a diagnosed mistake.
    assert [(m.exercise, m.hint, m.students, m.attempted) for m in stats.mistakes] == [
        ("forward", TRANSPOSE, 3, 4), ("sizes", "n_h should be 4", 1, 4)]
    assert stats.problems == {"学生01": ["cell 7 has a SyntaxError: invalid syntax"]}
    assert stats.not_started == stats.did_not_run == stats.unreadable == [] and stats.flagged == {}


def test_mistakes_are_ranked_among_students_who_attempted_the_exercise():
    """Stubs, unreadable files and an attack fill no 'common mistake'; they are listed apart,
    the attack flagged, and the share counts only students who attempted the exercise."""
    stub = case(False, "forward is not implemented yet", "not_implemented")
    results = [
        result("ben", exercise("sizes", stub), exercise("forward", stub, stub), exercise("predict", stub)),
        result("olaf", *(exercise(name, case(False, "the file is not JSON", "no_code")) for name in TOY.exercises),
               problems=["the file is not JSON"]),
        result("mallory", exercise("sizes", case(False, "PermissionError: [Errno 1] Operation not permitted",
                                                 "StudentRaised")),
               exercise("forward", case(False, "the process running forward ended during the call", "StudentCrash"),
                        case(False, TRANSPOSE, "no_transpose")), exercise("predict", stub)),
        result("ada", exercise("sizes", case(True)), exercise("forward", case(False, TRANSPOSE, "no_transpose"),
                                                              case(False, "took too long", "StudentTimeout")),
               exercise("predict", stub)),
        result("dara", exercise("sizes", case(True)), exercise("forward", case(True), case(True)),
               exercise("predict", case(True))),
        result("gus", exercise("sizes", case(False, "no sizes", "missing")),
               exercise("forward", case(False, "no forward", "missing")), problems=["cell 3 has a SyntaxError"]),
        result("ivan", exercise("sizes", case(False, "n_h should be 4", "hidden_size")),
               exercise("forward", case(False, TRANSPOSE + " (forward relies on your sizes)", "no_transpose")),
               exercise("predict", case(True))),
    ]
    results[-1].exercises[1].relies_on_failing = ["sizes"]   # a knock-on: not counted against forward
    stats = class_stats(results, TOY)
    assert [(m.exercise, m.hint, m.students, m.attempted) for m in stats.mistakes] == [
        ("sizes", "n_h should be 4", 1, 3), ("forward", TRANSPOSE, 1, 3)]   # mallory is flagged, not counted
    assert stats.not_started == ["ben"] and stats.did_not_run == ["gus"] and stats.unreadable == ["olaf"]
    assert list(stats.flagged) == ["mallory"] and "Operation not permitted" in stats.flagged["mallory"][0]


def test_late_work_final_score_first_and_both_shown(tmp_path: Path, small_class):
    small_class[0].late_penalty = 0.4     # ada: 4 points earned, 3.6 final
    stats = class_stats(small_class, TOY)
    assert stats.totals["ada"] == 3.6 and stats.before_penalty["ada"] == 4.0
    write_class_report(small_class, tmp_path, TOY)
    rows = list(csv.reader((tmp_path / "toy_net" / "scores.csv").open(encoding="utf-8", newline="")))
    assert rows[0][:4] == ["student_id", "final", "before_penalty", "late_penalty"]
    assert rows[1][:4] == ["ada", "3.6", "4", "0.4"]
    html = (tmp_path / "toy_net" / "report.html").read_text(encoding="utf-8")
    assert html.index("mean final score") < html.index("mean before late penalties")
    assert "2.15 / 4" in html     # (3.6 + 2 + 1 + 2) / 4
    page = write_feedback(small_class[0], tmp_path / "feedback", TOY.title, "toy_net").read_text(encoding="utf-8")
    assert re.search(r"class='big'>3.6</span>", page) and "earned 4 points, and 0.4 are taken off" in page
    console = Console(record=True, width=200, color_system=None)
    console.print(summary_table(small_class, TOY))
    lines = [line.split() for line in console.export_text().splitlines()]
    assert ["ada", "3.6", "1", "2", "1", "4", "-0.4"] in lines


def test_class_report_files(tmp_path: Path, small_class):
    import matplotlib.pyplot as plt

    page = write_class_report(small_class, tmp_path, TOY)
    folder = tmp_path / "toy_net"
    assert page == folder / "report.html"

    png = (folder / "histogram.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 300
    assert plt.imread(folder / "histogram.png").shape[:2] == (height, width)
    assert plt.get_fignums() == []  # nothing left open

    with open(folder / "scores.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["student_id", "final", "before_penalty", "late_penalty", "sizes", "forward", "predict"],
                    ["ada", "4", "4", "0", "1", "2", "1"], ["ivan", "2", "2", "0", "1", "1", "0"],
                    ["zoë", "2", "2", "0", "1", "1", "0"], ["学生01", "1", "1", "0", "0", "0", "1"]]

    html = page.read_text(encoding="utf-8")
    assert "A toy &lt;net&gt; &amp; friends" in html
    assert "data:image/png;base64," in html
    assert re.findall(r"class='num'>(\d+%)<", html) == ["75%", "25%", "50%"]
    assert html.index(TRANSPOSE) < html.index("n_h should be 4")
    assert "Submissions with problems (1)" in html and "cell 7 has a SyntaxError" in html


def test_class_report_escapes_hints_and_keeps_csv_cells_inert(tmp_path: Path):
    hostile = result("=HYPERLINK(\"http://x\")", exercise("sizes", case(False, XSS, "a_key")), problems=[XSS])
    page = write_class_report([hostile], tmp_path, TOY)
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html.lower() and html.count("&lt;script&gt;") == 2
    rows = list(csv.reader((tmp_path / "toy_net" / "scores.csv").open(encoding="utf-8", newline="")))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"


def test_class_report_without_submissions(tmp_path: Path):
    page = write_class_report([], tmp_path, TOY)
    assert "No diagnosed mistakes" in page.read_text(encoding="utf-8")
    assert (tmp_path / "toy_net" / "histogram.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "toy_net" / "scores.csv").read_text(encoding="utf-8").splitlines() == [
        "student_id,final,before_penalty,late_penalty,sizes,forward,predict"]


def test_summary_table_has_a_row_per_student_and_the_means(small_class):
    table = summary_table(small_class, TOY)
    assert table.row_count == len(small_class) + 1
    console = Console(record=True, width=160, color_system=None)
    console.print(table)
    lines = [line.split() for line in console.export_text().splitlines()]
    assert ["ada", "4", "1", "2", "1"] in lines
    assert ["mean", "2.25", "0.75", "1", "0.5"] in lines
    assert summary_table([], TOY).row_count == 1
