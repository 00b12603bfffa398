"""Finding submissions in nbgrader's submitted layout and choosing the notebook to grade.

Everything here reads files a student controls: names, sizes, kinds and contents are hostile.
Only regular files and real folders below the submissions folder are used (no link is ever
followed), every read is bounded and cannot block, and every name is made safe text before it
reaches a page, a CSV or the gradebook.
"""
from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import dateutil.parser

from .config import Assignment

MAX_TIMESTAMP_BYTES = 256
_NAME_BYTES = 200    # a safe name longer than this becomes a prefix and a digest
_KINDS = {stat.S_IFREG: "a file", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link",
          stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device"}
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal never becomes ours.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class UnreadableFile(Exception):
    """A submitted file or folder that cannot be used; the message says why, for the student."""


def safe_name(name: str) -> str:
    """A file name as safe text that is also one harmless path part, distinct for distinct names.

    Bytes that are not UTF-8 (surrogate-escaped by os), control, format and separator characters
    (which hide or reorder text) and '%' and '\\' become %XX of their bytes; a result longer than
    200 bytes keeps a readable prefix and a digest ("%~" never comes out of the escaping).
    """
    text = "".join(char if _plain(char) else "".join(f"%{byte:02X}" for byte in
                                                     char.encode("utf-8", "surrogateescape"))
                   for char in name)
    if len(text.encode()) <= _NAME_BYTES:
        return text
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:32]
    return text.encode()[:100].decode("utf-8", "ignore") + "%~" + digest


def _plain(char: str) -> bool:
    return char == " " or (char not in "%\\" and unicodedata.category(char)[0] not in "CZ")


def _refusal(info: os.stat_result, kind: int, label: str) -> str | None:
    """Why ``label`` cannot be used when it is not of ``kind`` (a stat.S_IF* file type), else None."""
    found = stat.S_IFMT(info.st_mode)
    if found == kind:
        return None
    return (f"{label} is {_KINDS.get(found, 'a special file')}, not {_KINDS[kind]}; "
            "the autograder reads only plain files in plain folders (no links)")


def _require(info: os.stat_result, kind: int, label: str) -> None:
    if refused := _refusal(info, kind, label):
        raise UnreadableFile(refused)


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MB" if count >= 2**20 else f"{count} bytes"


def read_regular(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes somewhere below ``root``.

    Each folder from ``root`` down is opened relative to the previous one with O_NOFOLLOW, so
    no link at any level is followed and the file is really under ``root``; the file is opened
    without blocking and checked again on its descriptor (fstat), so swapping it for a link, a
    FIFO or a device between the checks does not help. Raises UnreadableFile, never OSError.
    """
    path = Path(path)
    parts = path.relative_to(root).parts if path.is_relative_to(root) else ()
    if not parts or ".." in parts:
        raise UnreadableFile(f"{safe_name(path.name)} is not inside the submissions folder")
    label = "/".join(map(safe_name, parts[1:] or parts))   # the student folder is not news to them
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for depth, part in enumerate(parts):
                kind = stat.S_IFDIR if depth < len(parts) - 1 else stat.S_IFREG
                _require(os.stat(part, dir_fd=fd, follow_symlinks=False), kind, label)
                inner = os.open(part, _DIRECTORY if kind == stat.S_IFDIR else _FILE, dir_fd=fd)
                os.close(fd)
                fd = inner
                _require(os.fstat(fd), kind, label)
            return _read_at_most(fd, limit, label)
        finally:
            os.close(fd)
    except OSError as error:
        raise UnreadableFile(f"{label} could not be read ({error.strerror or type(error).__name__})") from None


def _read_at_most(fd: int, limit: int, label: str) -> bytes:
    size = os.fstat(fd).st_size
    if size > limit:
        raise UnreadableFile(f"{label} is {_size(size)}, more than the {_size(limit)} limit")
    chunks, left = [], limit + 1     # the file may grow after fstat: the read is the bound
    while left and (chunk := os.read(fd, min(left, 2**20))):
        chunks.append(chunk)
        left -= len(chunk)
    if not left:
        raise UnreadableFile(f"{label} is more than the {_size(limit)} limit")
    return b"".join(chunks)


@dataclass
class Submission:
    student_id: str                    # the student folder's name, made safe by safe_name
    folder: Path                       # DIR/<student folder>/<assignment>, the name as on disk
    notebook: Path | None = None       # the notebook chosen for grading
    problems: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The submissions folder: nothing outside it is ever read."""
        return self.folder.parent.parent

    @property
    def submitted_at(self) -> datetime | None:
        """When nbgrader collected it (its timestamp.txt), or None when unknown or unreadable."""
        try:
            text = read_regular(self.folder / "timestamp.txt", self.root, MAX_TIMESTAMP_BYTES)
            stamp = dateutil.parser.parse(text.decode("utf-8"))
        except (UnreadableFile, ValueError, OverflowError):
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)  # nbgrader writes UTC


def find_submissions(submissions_dir: Path, assignment: Assignment) -> list[Submission]:
    """nbgrader's submitted layout: DIR/<student_id>/<assignment>/*.ipynb, sorted by student.

    A student folder or assignment folder that is a link, or cannot be read, still yields a
    submission (graded 0, with the reason), so no student silently goes missing.
    """
    found = [submission for name in sorted(os.listdir(submissions_dir))
             if (submission := _submission(Path(submissions_dir), name, assignment))]
    looks = Counter(unicodedata.normalize("NFC", s.student_id) for s in found)
    for submission in found:
        if looks[unicodedata.normalize("NFC", submission.student_id)] > 1:
            submission.problems.append(
                "another student folder has a name that looks the same as this one (it differs "
                "only in how accented letters are encoded); each was graded on its own")
    return found


def _submission(root: Path, name: str, assignment: Assignment) -> Submission | None:
    """The submission in root/name, or None when that folder has none for this assignment."""
    submission = Submission(safe_name(name), root / name / assignment.id)
    try:
        if not stat.S_ISDIR(os.stat(submission.folder).st_mode):
            return None
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        pass  # a folder the grader may not look into is reported below, not skipped
    try:
        _require(os.lstat(root / name), stat.S_IFDIR, "your submission folder")
        _require(os.lstat(submission.folder), stat.S_IFDIR, f"the folder {assignment.id}")
        return choose_notebook(submission, assignment)
    except UnreadableFile as error:
        submission.problems.append(str(error))
    except OSError as error:
        submission.problems.append(f"the submission folder could not be read ({error.strerror})")
    return submission


def choose_notebook(submission: Submission, assignment: Assignment) -> Submission:
    """The expected notebook, else the one renamed copy (e.g. '... -Copy1.ipynb'); regular files
    only, never through a link. Raises OSError when the folder cannot be listed."""
    with os.scandir(submission.folder) as entries:
        notebooks = {entry.name: entry.stat(follow_symlinks=False)
                     for entry in entries if entry.name.endswith(".ipynb")}
    regular = {name: info for name, info in notebooks.items() if stat.S_ISREG(info.st_mode)}
    expected = notebooks.get(assignment.notebook)
    refused = expected and _refusal(expected, stat.S_IFREG, assignment.notebook)
    if expected and not refused:
        submission.notebook = submission.folder / assignment.notebook
    elif regular:
        stem = Path(assignment.notebook).stem
        similar = [name for name in sorted(regular) if Path(name).stem.startswith(stem)] or sorted(regular)
        chosen = max(similar, key=lambda name: regular[name].st_mtime)
        submission.notebook = submission.folder / chosen
        submission.problems.append(f"{refused or f'no {assignment.notebook} was found'}, "
                                   f"so {safe_name(chosen)} was graded instead")
    else:
        submission.problems.append(refused or "no notebook was found in the submission "
                                              f"(expected {assignment.notebook})")
    return submission
