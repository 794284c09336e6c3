"""Instructors' views of a graded folder: the class report and per-student feedback.

    load_results(DIR)            the results, from the run state or DIR/<name>.json (load.py)
    summarise(graded, course)    the report's figures (summary.py)      -> DIR/report.json
    render_report(summary)       one self-contained page (html.py, plots.py) -> DIR/report.html
    build_feedback / render_*    one page per student (feedback.py)     -> DIR/feedback/<name>.html|.md

NB: summarise must see every result before anything is rendered: the figures of a stub depend
on the whole class.  Feedback files depend only on their own result.

Every text is rendered here, from the messages the results keep as data
(:meth:`~torchdrill.results.SubmissionResult.localized`): the report in its language, each feedback
page in the student's own or in the one asked for, whatever language the folder was graded in.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..fsutil import write_atomic
from .load import Graded, load_results, result_from_gradescope
from .summary import Summary, summarise

__all__ = ["Graded", "ReportFiles", "Summary", "load_results", "result_from_gradescope", "summarise", "write_report"]


@dataclass
class ReportFiles:
    html: Path
    json: Path
    summary: Summary
    feedback: list[Path] = field(default_factory=list)


def write_report(folder: Path, course=None, *, lang: str = "en", feedback: bool = True,
                 html_path: Path | None = None, json_path: Path | None = None,
                 feedback_lang: str | None = None) -> ReportFiles:
    """Write DIR/report.html, DIR/report.json and (``feedback``) DIR/feedback/<name>.html|.md.

    ``lang``: the report's language (its failure messages too); ``feedback_lang``: every feedback
    page's (None: each student's own, the language they were graded in)."""
    from .feedback import build_feedback, render_feedback_html, render_feedback_md
    from .html import render_report, tidy_markdown

    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder; give the --out folder of a `torchdrill grade` run")
    graded = load_results(folder)
    if not graded:
        raise UsageError(f"{folder}: no results to report on; grade first: torchdrill grade SUBMISSION… --out {folder}")
    html_path = Path(html_path) if html_path else folder / "report.html"
    json_path = Path(json_path) if json_path else folder / "report.json"
    for path in (html_path, json_path):
        clash = next((g.name for g in graded if path.resolve() == (folder / f"{g.name}.json").resolve()), None)
        if clash is not None:
            raise UsageError(f"{path}: that is the result file of submission {clash!r}; "
                             f"write the report elsewhere with --html FILE / --json FILE")
    # the report reads every message in its own language; each student keeps their language
    in_report = [Graded(g.name, dataclasses.replace(g.result.localized(lang), lang=g.result.lang), g.source)
                 for g in graded]
    summary = summarise(in_report, course, folder=folder.name or str(folder), lang=lang)
    files = ReportFiles(html=html_path, json=json_path, summary=summary)
    _write(json_path, json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
    similarity = "similarity.html" if (html_path.parent / "similarity.html").is_file() else None
    _write(html_path, render_report(summary, lang=lang, feedback=feedback, similarity_href=similarity))
    if feedback:
        for g in graded:
            fb = build_feedback(g.name, g.result.localized(feedback_lang or g.result.lang), course)
            for ext, text in (("html", render_feedback_html(fb)), ("md", tidy_markdown(render_feedback_md(fb)))):
                path = folder / "feedback" / f"{g.name}.{ext}"
                _write(path, text)
                files.feedback.append(path)
    return files


def _write(path: Path, text: str) -> None:
    """Atomically (temporary file, then rename), readable as the umask allows: reports are shared.
    The temporary name is short whatever ``path``'s (a submission's name may be 250 bytes)."""
    write_atomic(path, text)
