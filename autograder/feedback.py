"""One self-contained HTML feedback page per submission, written for the student.

The page shows only what a SubmissionResult holds (scores, what each check looked at, hints,
problems), so no grader code, hidden input or expected value can leak. Every text from a result
is HTML-escaped: hints and problems can quote the student's own code. The page has no script
and no external asset, and its Content-Security-Policy forbids both, so a missed escape still
could not run anything.
"""
from __future__ import annotations

import os
import tempfile
from html import escape
from pathlib import Path

from .results import CaseResult, ExerciseResult, SubmissionResult

_STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --accent: #2f6fdf;
        --pass: #1f8a4c; --pass-bg: #e3f5ea; --fail: #c2412d; --fail-bg: #fdecea;
        --warn-bg: #fff7e0; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 860px; margin: 0 auto; padding: 32px 20px 48px; }
header { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 24px 28px; }
h1 { font-size: 1.55rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 0; }
.muted { color: var(--muted); }
.score { display: flex; align-items: baseline; gap: 10px; margin-top: 16px; }
.big { font-size: 2.4rem; font-weight: 700; }
.stats { display: flex; flex-wrap: wrap; gap: 12px 36px; margin-top: 16px; }
.stats div { display: flex; flex-direction: column; }
.stats .big { font-size: 1.6rem; }
.bar { height: 10px; background: var(--line); border-radius: 5px; overflow: hidden; margin-top: 8px; }
.bar span { display: block; height: 100%; background: var(--accent); }
section { background: #fff; border: 1px solid var(--line); border-radius: 12px;
          margin-top: 18px; padding: 18px 24px; }
.head { display: flex; justify-content: space-between; align-items: center; gap: 12px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .95em; }
.pill { border-radius: 999px; padding: 2px 12px; font-weight: 600; white-space: nowrap; }
.glance { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 14px; }
.glance .pill { font-weight: 500; font-size: .9rem; }
p.sub { margin: 2px 0 0; font-size: .92rem; }
.full { background: var(--pass-bg); color: var(--pass); }
.part { background: var(--warn-bg); color: var(--warn); }
.none { background: var(--fail-bg); color: var(--fail); }
table { width: 100%; border-collapse: collapse; margin-top: 12px; }
th, td { text-align: left; padding: 8px 10px; border-top: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
     border-top: none; }
td.mark { width: 2.2em; font-weight: 700; text-align: center; }
td.mark.ok { color: var(--pass); }
td.mark.bad { color: var(--fail); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.wrap { white-space: pre-wrap; }
.meter { width: 120px; margin-top: 7px; }
img.plot { width: 100%; height: auto; margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); margin-top: 8px; }
.hint { margin-top: 6px; padding: 8px 12px; background: var(--warn-bg); border-left: 3px solid #e0a800;
        border-radius: 4px; white-space: pre-wrap; }
.problems { background: var(--warn-bg); border-color: #f0d48a; }
.problems li { white-space: pre-wrap; }
footer { margin-top: 24px; font-size: .9rem; color: var(--muted); text-align: center; }
"""


def write_feedback(result: SubmissionResult, out_dir: Path, assignment_title: str, notebook: str) -> Path:
    """Write out_dir/<student_id>/<assignment>/<notebook>.html and return its path: where
    nbgrader's generate_feedback puts a notebook's page and its release_feedback looks for it.

    The student id comes from a folder name, so one that could leave out_dir is refused.
    """
    out_dir = Path(out_dir)
    target = out_dir / path_part(result.student_id) / path_part(result.assignment) / f"{path_part(notebook)}.html"
    if not target.resolve().is_relative_to(out_dir.resolve()):  # e.g. a symlinked student folder
        raise ValueError(f"feedback for {result.student_id!r} would be written outside {out_dir}")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, feedback_html(result, assignment_title).encode("utf-8"))
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """path holds data (mode 0644), or keeps what it held: never half a page, never through a link.

    A temporary file in the same folder is renamed over path, so a reader (or a run killed
    midway) sees the old or the new file, and a link planted at path is replaced, not followed.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def path_part(name: str) -> str:
    """name, checked to be one harmless path component (not empty, ".", ".." or with a separator)."""
    if name in ("", ".", "..") or any(char in name for char in "/\\\0"):
        raise ValueError(f"{name!r} cannot be used as a folder name")
    return name


def feedback_html(result: SubmissionResult, assignment_title: str) -> str:
    """The feedback page for one submission."""
    final = result.score - result.late_penalty
    share = final / result.max_score if result.max_score else 0.0
    header = (
        f"<header><p class='muted'>Feedback for <strong>{escape(result.student_id)}</strong></p>"
        f"<h1>{escape(assignment_title)}</h1>"
        f"<div class='score'><span class='big'>{format_points(final)}</span>"
        f"<span class='muted'>out of {format_points(result.max_score)} points</span></div>"
        f"<div class='bar'><span style='width:{100 * share:.1f}%'></span></div>"
        f"<p>{escape(_encouragement(result))}</p>{_late_html(result)}{_glance_html(result.exercises)}</header>"
    )
    body = header + _problems_html(result.problems) + "".join(map(_exercise_html, result.exercises))
    footer = ("<footer>This page was made by the course autograder; your code ran in a sandbox "
              f"({escape(result.isolation or 'unknown')} isolation). If something here looks wrong, "
              "ask your instructor; they can see the same results.</footer>")
    return html_page(f"Feedback: {assignment_title}", body + footer)


def _late_html(result: SubmissionResult) -> str:
    if not result.late_penalty:
        return ""
    return (f"<p class='muted'>Submitted late ({escape(result.submitted_at)}): the checks below earned "
            f"{format_points(result.score)} points, and {format_points(result.late_penalty)} are taken off "
            f"under the course's late policy, for the final score above.</p>")


def html_page(title: str, body: str) -> str:
    """A complete page around already-escaped body HTML; shared with the class report."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def format_points(points: float) -> str:
    """1.0 -> "1", 1.5 -> "1.5", 0.667 -> "0.67": points the way people write them."""
    return f"{round(points, 2):g}"


def score_class(points: float, max_points: float) -> str:
    """CSS class for a score: full, part(ial) or none."""
    if max_points and points >= max_points:
        return "full"
    return "part" if points > 0 else "none"


def _encouragement(result: SubmissionResult) -> str:
    if result.max_score and result.score >= result.max_score:
        return "Every check passed. Well done!"
    if result.score > 0:
        return ("Good progress. The exercises below show which checks did not pass yet, "
                "with a hint about the likely cause.")
    return ("No checks passed yet. Start with the first exercise below: each hint points at "
            "the likely cause, and later exercises often build on earlier ones.")


def _glance_html(exercises: list[ExerciseResult]) -> str:
    """Every exercise's points in one line, so the whole result fits on the first screen."""
    chips = "".join(
        f"<span class='pill {score_class(e.points, e.max_points)}'><code>{escape(e.name)}</code> "
        f"{format_points(e.points)}/{format_points(e.max_points)}</span>"
        for e in exercises
    )
    return f"<div class='glance'>{chips}</div>"


def _problems_html(problems: list[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{escape(problem)}</li>" for problem in problems)
    return (
        "<section class='problems'><h2>Things to fix in your notebook first</h2>"
        "<p>The autograder ran into these, and they may have kept some of your code from being checked:</p>"
        f"<ul>{items}</ul></section>"
    )


def _exercise_html(exercise: ExerciseResult) -> str:
    points = exercise.points
    badge = (f"<span class='pill {score_class(points, exercise.max_points)}'>"
             f"{format_points(points)} / {format_points(exercise.max_points)}</span>")
    passed = sum(case.passed for case in exercise.cases)
    if exercise.cases:
        summary = f"{passed} of {len(exercise.cases)} checks passed"
        checks = f"<table>{''.join(map(_case_html, exercise.cases))}</table>"
    else:
        summary, checks = "This exercise could not be checked.", ""
    return (f"<section><div class='head'><h2><code>{escape(exercise.name)}</code></h2>{badge}</div>"
            f"<p class='muted sub'>{summary}</p>{checks}</section>")


def _case_html(case: CaseResult) -> str:
    if case.passed:
        return f"<tr><td class='mark ok' title='passed'>✓</td><td>{escape(case.description)}</td></tr>"
    hint = f"<div class='hint'>{escape(case.hint)}</div>" if case.hint else ""
    return (f"<tr><td class='mark bad' title='not passed yet'>✗</td>"
            f"<td>{escape(case.description)}{hint}</td></tr>")
