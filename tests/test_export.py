"""`torchdrill export DIR --format canvas|moodle --roster FILE`: the file each LMS imports.

Results are written by hand into a graded folder (no sandbox, no torch); the rosters are laid out
as Canvas's gradebook export and Moodle's plain-text grade export write them, and the import files
are compared to the documented formats byte for byte.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from torchdrill.cli import main
from torchdrill.errors import UnknownNameError, UsageError
from torchdrill.export import export_grades
from torchdrill.export.csvsafe import neutralise, number
from torchdrill.render.gradescope import write_results
from torchdrill.results import CheckResult, Outcome, SubmissionResult

CANVAS_ROSTER = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Week 1 (1001),Current Score,Final Score\r\n"
    "    Points Possible,,,,,10,(read only),(read only)\r\n"
    '"Kim, Minji",101,2026001,mkim,PyTorch A,8,80,80\r\n'
    '"Lee, Jun",102,2026002,jlee,PyTorch A,,,\r\n'
    '"=HYPERLINK(""http://x"")",103,2026003,mallory,PyTorch B,,,\r\n'
    '"Park, Seo",104,2026004,spark,PyTorch B,,,\r\n'
)

MOODLE_ROSTER = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: Week 1 (Real),Course total (Real),Last downloaded from this course\r\n"
    "Minji,Kim,2026001,,,mkim@uni.example,8.00,8.00,1764720000\r\n"
    "Jun,Lee,2026002,,,jlee@uni.example,-,-,1764720000\r\n"
    "@SUM(A1),Mallory,2026003,,,mallory@uni.example,-,-,1764720000\r\n"
)


def _result(name: str, score: float, max_score: float = 4.0) -> SubmissionResult:
    checks = (CheckResult("ex05_no_grad", "detach", "shares memory", Outcome.PASSED if score else Outcome.WRONG,
                          score, max_score, True, ""),)
    return SubmissionResult(submission=name, checks=checks)


@pytest.fixture
def graded(tmp_path) -> Path:
    folder = tmp_path / "week3"
    for name, score in [("mkim", 4.0), ("mallory", 1.5), ("spark", 2.125), ("ghost", 3.0)]:
        write_results(_result(name, score), folder / f"{name}.json")
    return folder


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_canvas_import_file_is_canvas_gradebook_csv(tmp_path, graded):
    roster = _write(tmp_path, "canvas.csv", CANVAS_ROSTER)
    made = export_grades(graded, "canvas", roster, assignment="Week 3: tensors")
    assert made.path == graded / "canvas.csv" and made.match_by == "SIS Login ID" and made.points == 4.0
    assert made.path.read_bytes().decode() == (
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 3: tensors\r\n"
        "    Points Possible,,,,,4\r\n"
        '"Kim, Minji",101,2026001,mkim,PyTorch A,4\r\n'
        '"Lee, Jun",102,2026002,jlee,PyTorch A,\r\n'
        '"\'=HYPERLINK(""http://x"")",103,2026003,mallory,PyTorch B,1.5\r\n'
        '"Park, Seo",104,2026004,spark,PyTorch B,2.125\r\n'
    )
    assert [s["Student"] for s in made.no_submission] == ["Lee, Jun"]
    assert made.no_student == (("ghost", "no student with this SIS Login ID", 3.0),)
    rows = list(csv.reader(io.StringIO(made.side.read_text())))
    assert made.side == graded / "canvas-unmatched.csv"
    assert rows == [["kind", "submission", "SIS Login ID", "student", "score", "why"],
                    ["no submission", "", "jlee", "Lee, Jun", "", "no graded submission matches this student"],
                    ["no student", "ghost", "", "", "3", "no student with this SIS Login ID"]]


def test_moodle_import_file_keeps_identity_columns_and_matches_email_local_part(tmp_path, graded):
    roster = _write(tmp_path, "moodle.csv", MOODLE_ROSTER)
    out = tmp_path / "to-moodle.csv"
    made = export_grades(graded, "moodle", roster, out=out)
    assert made.match_by == "Email address" and made.assignment == "torchdrill week3"
    assert out.read_bytes().decode() == (
        "First name,Last name,ID number,Institution,Department,Email address,torchdrill week3\r\n"
        "Minji,Kim,2026001,,,mkim@uni.example,4\r\n"
        "Jun,Lee,2026002,,,jlee@uni.example,\r\n"
        "'@SUM(A1),Mallory,2026003,,,mallory@uni.example,1.5\r\n"
    )
    assert made.side == tmp_path / "to-moodle-unmatched.csv"
    assert {n for n, _, _ in made.no_student} == {"spark", "ghost"}


def test_match_by_another_column_and_refusals(tmp_path, graded):
    roster = _write(tmp_path, "canvas.csv", CANVAS_ROSTER)
    for name in ("2026001", "2026004"):
        write_results(_result(name, 1.0), graded / f"{name}.json")
    made = export_grades(graded, "canvas", roster, match_by="SIS User ID", out=tmp_path / "c.csv")
    assert dict(made.matched) == {"2026001": "2026001", "2026004": "2026004"}
    with pytest.raises(UnknownNameError, match="did you mean 'SIS Login ID'"):
        export_grades(graded, "canvas", roster, match_by="SIS Login")
    with pytest.raises(UsageError, match="not a Canvas gradebook export"):
        export_grades(graded, "canvas", _write(tmp_path, "m.csv", MOODLE_ROSTER))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no graded submission here"):
        export_grades(tmp_path / "empty", "canvas", roster)


def test_a_name_two_students_share_or_two_submissions_of_one_student_are_reported(tmp_path):
    folder = tmp_path / "g"
    for name in ("kim", "KIM@uni.example"):
        write_results(_result(name, 2.0), folder / f"{name}.json")
    roster = _write(tmp_path, "m.csv", "First name,Email address\r\nA,kim@uni.example\r\nB,kim@other.example\r\n")
    made = export_grades(folder, "moodle", roster)
    assert made.matched == (("KIM@uni.example", "kim@uni.example"),)
    assert made.no_student == (("kim", "matches 2 students by Email address", 2.0),)
    assert [s["First name"] for s in made.no_submission] == ["B"]


def test_cells_are_neutralised_as_owasp_says():
    for bad in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("Kim, Minji") == "Kim, Minji" and neutralise(None) == ""
    assert [number(x) for x in (4.0, 1.5, 2.125, 0.33333333, 0)] == ["4", "1.5", "2.125", "0.3333", "0"]


def test_cli_export_lists_the_unmatched(tmp_path, graded, capsys):
    roster = _write(tmp_path, "canvas.csv", CANVAS_ROSTER)
    assert main(["export", str(graded), "--format", "canvas", "--roster", str(roster)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {graded / 'canvas.csv'}: canvas import, assignment 'torchdrill week3' (4 points), 3 of 4 " \
           "students with a grade, matched by 'SIS Login ID'" in captured.out
    assert "1 students without a submission" in captured.out and "Lee, Jun, 102, 2026002, jlee" in captured.out
    assert "ghost (3 points): no student with this SIS Login ID" in captured.err
    assert f"both lists: {graded / 'canvas-unmatched.csv'}" in captured.out
    with pytest.raises(SystemExit) as exit_:
        main(["export", str(graded), "--format", "blackboard", "--roster", str(roster)])
    assert exit_.value.code == 2
