"""The process behind a student notebook's check cells: ``python -I -m torchdrill.notebook_grade --serve``.

The kernel (notebook_check.py) starts it once and sends one JSON request per line: the course,
the target (``chapter.stub``), the language, and the source of the code cells the kernel ran.
For each request the cells become ``<chapter>.py`` in a fresh folder (as ``torchdrill grade``
stages a notebook: magics commented out) and :func:`torchdrill.commands.check.check` grades it
against that stub's visible checks, the student's code running only in the sandbox.  Its output
is recorded by a rich console and sent back as HTML (for Jupyter) and plain text (for everything
else), with the outcome of each visible check, one JSON line per request.

Nothing is judged in the kernel: code run there (a patched ``torch.allclose``, another default
dtype) cannot change what this process computes.

``check()`` starts and closes a sandbox on every call (about 2 s) unless it is handed a warm
grading session; a notebook has a check cell per function, so this process keeps one session
(one per course and language) for all of them.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import GradingSession

#: the width tables are drawn at (Jupyter wraps nothing inside <pre>)
WIDTH = 100
#: monospace fonts whose Hangul is exactly two Latin letters wide come first, or the table's borders drift
HTML_FORMAT = ('<pre style="font-family:\'Noto Sans Mono CJK KR\',\'D2Coding\',\'NanumGothicCoding\',Menlo,'
               '\'DejaVu Sans Mono\',consolas,monospace;line-height:1.25">{code}</pre>')


class _AsciiBoxes(io.StringIO):
    """Where the console writes: said to be ASCII, so rich draws tables with ``+ - |``.  Box-drawing
    characters are as wide as a Hangul syllable in CJK monospace fonts and half as wide elsewhere;
    ASCII lines up with Korean text in any font whose Hangul is two columns wide."""

    encoding = "ascii"


class NotebookGrader:
    """Answers the check cells of one kernel: one course and language at a time, kept warm."""

    def __init__(self) -> None:
        self.key: tuple[str, str] | None = None
        self.session: GradingSession | None = None   # one GradingSession (visible checks only), kept warm

    def _ready(self, course, lang: str) -> None:
        key = (str(course.root), lang)
        if key != self.key:
            self.close()
            self.key = key
        if self.session is not None:
            return
        from .session import GradingSession

        session = self.session = GradingSession(course, lang=lang, device=course.device, visible_only=True,
                                                warm=False)
        session.start(wait=False)

    def check(self, request: dict) -> dict:
        from rich.console import Console

        from .commands.check import check
        from .course import load_course
        from .i18n import choose_language
        from .submission import code_cells_to_source

        course = load_course(str(request["course"]))
        target = str(request["target"])
        chapter = course.chapter(target.split(".")[0])
        lang = choose_language(request.get("lang") or None, course.language)
        self._ready(course, lang)
        console = Console(record=True, file=_AsciiBoxes(), width=WIDTH, force_terminal=True,
                          color_system="truecolor", highlight=False, force_jupyter=False)
        with tempfile.TemporaryDirectory(prefix="torchdrill-notebook-") as tmp:
            folder = Path(tmp) / f"{chapter.id}.ipynb"      # what check() names in its first line
            folder.mkdir()
            (folder / chapter.filename).write_text(code_cells_to_source([str(c) for c in request.get("cells", [])]),
                                                   encoding="utf-8")
            os.chmod(folder, 0o755)
            os.chmod(folder / chapter.filename, 0o644)
            cwd = os.getcwd()
            os.chdir(tmp)
            try:
                with _capture() as outcomes:
                    status = check(course, target=target, folder=folder, lang=lang, device=course.device,
                                   console=console, session=self.session)
            finally:
                os.chdir(cwd)
        html = console.export_html(clear=False, inline_styles=True, code_format=HTML_FORMAT)
        text = console.export_text(clear=True, styles=False)
        if status != 0 and (not outcomes or any(c["outcome"] == "grader_error" for c in outcomes)):
            self.close()              # a sandbox that broke is not kept: the next check starts a fresh one
        return {"ok": status == 0, "status": status, "html": html, "text": text, "checks": outcomes}

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None


@contextlib.contextmanager
def _capture():
    """The outcome of every visible check ``check()`` renders (qualified name, title, outcome), read
    from the rows it hands the check table."""
    from .render import check_table

    found: list[dict] = []
    real = check_table.stub_rows

    def stub_rows(result, counts, order):
        rows = real(result, counts, order)
        found.extend({"check": c.name, "stub": c.qualname, "outcome": c.outcome.value}
                     for row in rows for c in row.checks)
        return rows

    check_table.stub_rows = stub_rows
    try:
        yield found
    finally:
        check_table.stub_rows = real


def failure(exc: BaseException, lang: str | None = None) -> dict:
    """The reply when the check itself broke: in ``lang`` when known, else in every language."""
    from .messages import msg
    from .render import in_language

    text = in_language(msg("torchdrill: the check did not run ({error}); this is not your fault, please tell the "
                           "course staff.", error=f"{type(exc).__name__}: {exc}"), lang, sep="\n")
    return {"ok": False, "status": 2, "html": "", "text": text, "checks": [], "error": True}


def serve(requests, replies) -> None:
    grader = NotebookGrader()
    try:
        for line in requests:
            if not line.strip():
                continue
            lang = None
            try:
                request = json.loads(line)
                lang = request.get("lang") or os.environ.get("TORCHDRILL_LANG")
                reply = grader.check(request)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                reply = failure(exc, lang)
            replies.write(json.dumps(reply, ensure_ascii=False) + "\n")
            replies.flush()
    finally:
        grader.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m torchdrill.notebook_grade")
    ap.add_argument("--serve", action="store_true", required=True, help="answer requests on stdin until it closes")
    ap.parse_args(argv)
    # the replies get the real stdout; anything else printing to fd 1 goes to stderr instead
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
