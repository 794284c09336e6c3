"""``torchdrill grade --nbgrader COURSE_DIR ASSIGNMENT``: nbgrader submissions graded in our sandbox.

What ``nbgrader autograde`` does, without a Jupyter kernel::

    COURSE_DIR/submitted/<student>/<ASSIGNMENT>/<notebook>.ipynb      (nbgrader's layout, its config)
      → copied (regular files only, size-capped) to   COURSE_DIR/torchdrill/<ASSIGNMENT>/submissions/<student>/
      → graded in parallel by the batch machinery into COURSE_DIR/torchdrill/<ASSIGNMENT>/results/
        (results.json per student, gradebook.csv; a stopped run resumes)
      → written into nbgrader's gradebook through nbgrader.api.Gradebook, as autograde would:
        the student, the submission (with its timestamp.txt), each grade cell ``test_<stub>``'s
        ``auto_score`` (the stub's points earned), ``needs_manual_grade`` (a manual score exists, or
        grading broke), "No response." on untouched answer cells, and the late penalty of the
        configured plugin.  The formgrader and ``nbgrader export`` then show these scores.

The student's code never runs in a kernel and never in this process: only in the sandbox, so a
notebook that patches torch, IPython or nbgrader changes nothing but its own sandboxed call.
Notebooks are matched to chapters by name (``<chapter>.ipynb``, as ``torchdrill nbgrader`` makes them).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..safe_text import echo as print  # student ids and messages are printed: no raw control bytes

TEST_PREFIX = "test_"
ANSWER_PREFIX = "answer_"


@dataclass
class StudentOutcome:
    student: str
    present: dict[str, Path] = field(default_factory=dict)      # notebook handed in -> our copy of it
    scores: dict[str, float] = field(default_factory=dict)      # qualified stub -> points earned
    broken: set[str] = field(default_factory=set)               # stubs whose grading broke (grader error)
    graded: bool = False                                        # a result was found for this student
    problems: list[str] = field(default_factory=list)


def _nbgrader():
    try:
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.coursedir import CourseDirectory
    except ImportError:
        raise UsageError("--nbgrader needs nbgrader in this Python: pip install nbgrader") from None
    return Gradebook, MissingEntry, CourseDirectory


def load_config(course_dir: Path):
    """COURSE_DIR/nbgrader_config.py as nbgrader reads it (a traitlets Config), the root set to COURSE_DIR."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (course_dir / "nbgrader_config.py").is_file():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config())
    cfg.CourseDirectory.root = str(course_dir)
    return cfg


def _copy_regular(src: Path, dest: Path, limit: int) -> str | None:
    """Copy one submitted file that is a regular file (never a link) no larger than ``limit``."""
    try:
        st = os.lstat(src)
    except OSError:
        return "missing"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size > limit:
        return f"larger than {limit >> 20} MB"
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    dest.write_bytes(data)
    return None


def _students(coursedir, assignment: str) -> dict[str, Path]:
    """student id -> COURSE_DIR/submitted/<student>/<assignment> for every submission folder there."""
    import glob

    mark = "TORCHDRILLSTUDENTMARK"
    pattern = re.escape(coursedir.format_path(coursedir.submitted_directory, mark, assignment)).replace(
        mark, "(?P<student>[^/]+)")
    found = {}
    for path in sorted(glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", assignment))):
        m = re.fullmatch(pattern, path)
        if m and os.path.isdir(path) and not os.path.islink(path):
            found[m.group("student")] = Path(path)
    return found


def _stub_scores(result_json: dict) -> tuple[dict[str, float], set[str]]:
    scores: dict[str, float] = {}
    broken: set[str] = set()
    for t in result_json.get("tests", []):
        tags = t.get("tags") or []
        if len(tags) < 2:
            continue
        qual = str(tags[1])
        scores[qual] = round(scores.get(qual, 0.0) + float(t.get("score") or 0.0), 6)
        if len(tags) > 2 and tags[2] == "grader_error":
            broken.add(qual)
    return scores, broken


def grade_nbgrader(course, course_dir: Path, assignment: str, *, lang: str, device: str, jobs: int | None = None,
                   progress: bool = True, out: Path | None = None, restart: bool = False) -> int:
    """Grade every submission of ``assignment`` and write the scores into the gradebook; returns an exit status."""
    from ..batch import grade_batch

    _nbgrader()                                   # nbgrader missing: said before anything else
    course_dir = Path(course_dir).resolve()
    if not course_dir.is_dir():
        raise UsageError(f"--nbgrader {course_dir}: no such folder; give the nbgrader course directory")
    cfg = load_config(course_dir)
    coursedir, notebooks = _assignment_notebooks(course_dir, cfg, assignment)
    chapters = [n for n in notebooks if n in course.chapter_ids]
    if not chapters:
        raise UsageError(f"{assignment}: none of its notebooks ({', '.join(sorted(notebooks)) or 'none'}) is named "
                         f"after a chapter of the course ({', '.join(course.chapter_ids)})")
    for n in sorted(set(notebooks) - set(chapters)):
        print(f"torchdrill: {assignment}/{n}.ipynb is not a chapter of the course; its grades are left as they are",
              file=sys.stderr)

    base = Path(out) if out is not None else course_dir / "torchdrill" / assignment
    work, results_dir = base / "submissions", base / "results"
    students = _students(coursedir, assignment)
    outcomes = _stage_notebooks(students, chapters, work)
    if not students:
        print(f"torchdrill: no submissions in {coursedir.format_path(coursedir.submitted_directory, '*', assignment)}",
              file=sys.stderr)
        return 0

    only = chapters[0] if len(chapters) == 1 else None
    status = grade_batch([work / s for s in students], results_dir, course, lang=lang, device=device, jobs=jobs,
                         only=only, progress=progress, restart=restart)
    _read_results(outcomes, work, results_dir)
    write_gradebook(course, coursedir, cfg, assignment, notebooks, outcomes, students)
    _print_table(course, chapters, notebooks, outcomes)
    return status


def _assignment_notebooks(course_dir: Path, cfg, assignment: str) -> tuple[Any, dict[str, dict[str, float]]]:
    """nbgrader's CourseDirectory, and the assignment's notebooks in its gradebook: name -> grade
    cell -> points."""
    Gradebook, MissingEntry, CourseDirectory = _nbgrader()
    coursedir = CourseDirectory(config=cfg)
    db_file = coursedir.db_url[len("sqlite:///"):] if coursedir.db_url.startswith("sqlite:///") else None
    if db_file is not None and not os.path.isfile(db_file):
        raise UsageError(f"{course_dir}: no gradebook ({db_file}); run `nbgrader generate_assignment {assignment}` "
                         "there first")
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            raise UsageError(f"{assignment}: no such assignment in the gradebook ({coursedir.db_url}); run "
                             f"`nbgrader generate_assignment {assignment}` in {course_dir} first") from None
        return coursedir, {nb.name: {gc.name: float(gc.max_score) for gc in nb.grade_cells} for nb in a.notebooks}


def _stage_notebooks(students: dict[str, Path], chapters: list[str], work: Path) -> dict[str, StudentOutcome]:
    """``work/<student>/<chapter>.ipynb``: each student's chapter notebooks copied (regular files
    only, size capped) into a fresh ``work``."""
    from ..submission import MAX_FILE_BYTES

    outcomes: dict[str, StudentOutcome] = {}
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for student, folder in students.items():
        o = outcomes[student] = StudentOutcome(student)
        dest = work / student
        dest.mkdir()
        for name in chapters:
            problem = _copy_regular(folder / f"{name}.ipynb", dest / f"{name}.ipynb", MAX_FILE_BYTES)
            if problem is None:
                o.present[name] = dest / f"{name}.ipynb"
            elif problem != "missing":
                o.problems.append(f"{name}.ipynb: {problem}; it was not graded")
    return outcomes


def _read_results(outcomes: dict[str, StudentOutcome], work: Path, results_dir: Path) -> None:
    """Each student's stub scores from the batch's result file."""
    from ..state import assign_names

    # The batch names each result as state.assign_names does (a student id that is not a safe file
    # name is mapped): ask it, never rebuild "<student>.json" by hand.
    named = {os.path.basename(path): name for name, path in assign_names([work / s for s in outcomes])[0]}
    for student, o in outcomes.items():
        result_name = named.get(student, student)
        path = results_dir / f"{result_name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            o.problems.append("no result (grading did not finish); the gradebook is left as it was")
            continue
        if (data.get("extra_data") or {}).get("submission") not in (result_name, None):
            o.problems.append("result name clash; the gradebook is left as it was")
            continue
        o.scores, o.broken = _stub_scores(data)
        o.graded = True


def write_gradebook(course, coursedir, cfg, assignment: str, notebooks: dict[str, dict[str, float]],
                    outcomes: dict[str, StudentOutcome], folders: dict[str, Path]) -> None:
    """Scores into nbgrader's gradebook, the way ``nbgrader autograde`` records them."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties
    from nbgrader.utils import compute_checksum

    penalties = AssignLatePenalties(config=cfg)
    penalties.init_plugin()
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for student, o in sorted(outcomes.items()):
            if not o.graded:
                continue
            gb.update_or_create_student(student)
            try:
                timestamp = coursedir.get_existing_timestamp(str(folders[student]))
            except Exception:                  # an unreadable timestamp.txt: graded as if there were none
                timestamp = None
                print(f"torchdrill: {student}: timestamp.txt is not a valid timestamp; ignored", file=sys.stderr)
            if timestamp:
                submission = gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                submission = gb.update_or_create_submission(assignment, student)
            for nb_name in notebooks:
                sub_nb = gb.find_submission_notebook(nb_name, assignment, student)
                chapter = nb_name if nb_name in course.chapter_ids else None
                if chapter is None:
                    continue
                present = nb_name in o.present
                stubs = course.chapter(chapter).stubs
                for grade in sub_nb.grades:
                    name = grade.name or ""
                    stub = name[len(TEST_PREFIX):] if name.startswith(TEST_PREFIX) else None
                    if not present:                    # as autograde: a missing notebook scores 0
                        grade.auto_score, grade.needs_manual_grade = 0.0, False
                        continue
                    if stub not in stubs:
                        continue                       # not one of ours (a manually graded cell): untouched
                    qual = course.chapter(chapter).qualname(stub)
                    earned = min(max(o.scores.get(qual, 0.0), 0.0), float(grade.max_score))
                    grade.auto_score = round(earned, 6)
                    grade.needs_manual_grade = grade.manual_score is not None or qual in o.broken
                if present:
                    _answer_comments(gb, sub_nb, o.present[nb_name], nb_name, assignment,
                                     nbformat, compute_checksum, MissingEntry)
                gb.db.commit()
                _late_penalty(gb, penalties, submission, sub_nb, student)
            gb.db.commit()


def _answer_comments(gb, sub_nb, path: Path, nb_name: str, assignment: str, nbformat, compute_checksum,
                     MissingEntry) -> None:
    """"No response." on answer cells handed in as they were released (what autograde's SaveAutoGrades does)."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return
    cells = {}
    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if isinstance(meta, dict) and meta.get("solution") and meta.get("grade_id"):
            cells[meta["grade_id"]] = cell
    for comment in sub_nb.comments:
        cell = cells.get(comment.name)
        try:
            released = gb.find_source_cell(comment.name, nb_name, assignment).checksum
            unchanged = cell is not None and released is not None and compute_checksum(cell) == released
        except (MissingEntry, KeyError, TypeError):
            unchanged = False
        comment.auto_comment = "No response." if unchanged else None


def _late_penalty(gb, penalties, submission, sub_nb, student: str) -> None:
    """What autograde's AssignLatePenalties does, with the plugin the course configured."""
    sub_nb.late_submission_penalty = None
    seconds = submission.total_seconds_late
    if seconds and seconds > 0:
        penalty = penalties.plugin_inst.late_submission_penalty(student, sub_nb.score, seconds)
        if penalty is not None:
            sub_nb.late_submission_penalty = min(max(penalty, 0), sub_nb.score)
    gb.db.commit()


def _print_table(course, chapters: list[str], notebooks: dict, outcomes: dict[str, StudentOutcome]) -> None:
    quals = [q for ch in chapters for q in course.qualnames(ch)]
    print("\t".join(["student", *quals, "total"]))
    for student, o in sorted(outcomes.items()):
        if not o.graded:
            print(f"{student}\t(not graded: {'; '.join(o.problems)})")
            continue
        vals = [o.scores.get(q, 0.0) if q.split(".")[0] in o.present else 0.0 for q in quals]
        print("\t".join([student, *[f"{v:g}" for v in vals], f"{sum(vals):g}"]))
        for p in o.problems:
            print(f"  {student}: {p}", file=sys.stderr)
    print(f"torchdrill: wrote {sum(o.graded for o in outcomes.values())} submissions into nbgrader's gradebook",
          file=sys.stderr)


def run_from_args(args, course, lang: str) -> int:
    """``torchdrill grade --nbgrader COURSE_DIR ASSIGNMENT`` (called from commands/grade.py)."""
    if len(args.submissions) != 1:
        raise UsageError("--nbgrader COURSE_DIR takes exactly one ASSIGNMENT: "
                         "torchdrill grade --nbgrader COURSE_DIR ASSIGNMENT")
    if getattr(args, "json", None) is not None:
        raise UsageError("--nbgrader writes into nbgrader's gradebook; --json does not apply (use --out DIR "
                         "for where the results.json files go)")
    if getattr(args, "only", None):
        raise UsageError("--nbgrader grades whole assignments; --only does not apply")
    return grade_nbgrader(course, args.nbgrader, str(args.submissions[0]), lang=lang,
                          device=args.device or course.device, jobs=args.jobs, progress=not args.no_progress,
                          out=args.out, restart=getattr(args, "restart", False))
