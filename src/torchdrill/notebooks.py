"""Student notebooks: ``notebooks/<chapter>.ipynb`` in the release bundle, from the single source.

A chapter's notebook is made from the same stub module as ``exercises/<chapter>.py`` (stubgen's
output for ``solutions/<chapter>.py``), with nbformat's own constructors::

    intro              markdown: the chapter title and the module docstring (Korean, English), how to work
    load               code: ``%load_ext torchdrill.notebook_check`` (tracks the cells, defines the check magic)
    setup              code: the module code that is no stub (imports, constants), as written
    <stub>-explain     markdown: the stub's signature and its docstring (task, input, output, example)
    <stub>             code: the stub itself, as in exercises/ (``raise NotImplementedError``)
    <stub>-check       code: ``%torchdrill_check <chapter>.<stub>``: that stub's visible checks, run on the
                       notebook's current code in the sandbox, the table shown inline

The check cells and the load cell hold only IPython magics and comments: when a finished notebook
is handed in, ``torchdrill grade`` turns its code cells into one module and comments magics out
(submission.py), so these cells weigh nothing there.  Cell ids are fixed, so the same course gives
byte-identical notebooks.  No solution text is read here except through stubgen.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .course import Chapter, Course
from .i18n import LANGUAGES
from .messages import N_, msg, render
from .render import bilingual

#: the magic a check cell runs, and the extension that defines it
CHECK_MAGIC = "torchdrill_check"
EXTENSION = "torchdrill.notebook_check"
CHECK_TAG = "torchdrill-check"
NOTEBOOKS_DIR = "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_LOCKED = {"editable": False, "deletable": False}


def _comments(*messages) -> list[str]:
    """Comment lines: each message in every language (students read the notebook in either)."""
    return [f"# {render(m, lang)}" for m in messages for lang in LANGUAGES]


def load_cell_source() -> str:
    return "\n".join([
        *_comments(N_("Run this cell first: it loads the torchdrill extension the check cells below use.")),
        f"%load_ext {EXTENSION}",
    ])


def check_cell_source(chapter: Chapter, stub: str) -> str:
    return "\n".join([
        "# " + bilingual(msg("Check: {stub}", stub=stub)),
        *_comments(N_("Runs the visible checks on the function above (in the sandbox). Hidden checks run when "
                      "your work is graded.")),
        f"%load_ext {EXTENSION}",
        f"%{CHECK_MAGIC} {chapter.qualname(stub)}",
    ])


def intro_markdown(course: Course, chapter: Chapter, module_doc: str) -> str:
    lines = module_doc.splitlines()
    if lines and lines[0].lower().startswith(chapter.id.split("_")[0]):
        lines = lines[1:]                  # the docstring's own title line repeats the heading
    stubs = ", ".join(f"`{s}`" for s in chapter.stubs)
    how = msg("Complete the {n} functions ({stubs}): in each, replace the `raise NotImplementedError(...)` line "
              "with your code and run the cell, then run the check cell right below it: the visible checks' "
              "results appear as a table. The checks run in torchdrill's sandbox, not in this kernel. Hidden "
              "checks run as well when your work is graded. You can hand in the finished notebook (`.ipynb`) as "
              "it is.", n=len(chapter.stubs), stubs=stubs)
    return "\n".join([
        f"# {chapter.id}: {chapter.title.ko} / {chapter.title.en}",
        "",
        f"*{course.title.ko} / {course.title.en}*",
        "",
        "\n".join(lines).strip(),
        "",
        "---",
        "",
        bilingual(how, sep="\n\n"),
    ])


def chapter_stub_text(course: Course, chapter: Chapter) -> str:
    """The chapter's stub module, exactly as ``exercises/<chapter>.py`` is generated."""
    from .stubgen import make_stub  # instructor-only module

    src = course.solutions_dir / chapter.filename
    return make_stub(src.read_text(encoding="utf-8"), str(src))


def build_notebook(course: Course, chapter: Chapter, stub_text: str | None = None):
    """The student notebook of one chapter, an ``nbformat.NotebookNode`` (validated)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from .nbgrader.export import docstring_markdown, read_solution

    text = stub_text if stub_text is not None else chapter_stub_text(course, chapter)
    with tempfile.TemporaryDirectory(prefix="torchdrill-nb-") as tmp:
        path = Path(tmp) / chapter.filename
        path.write_text(text, encoding="utf-8")
        module_doc, pieces = read_solution(path, chapter)     # the stub module, cut into its pieces
    cells = [new_markdown_cell(intro_markdown(course, chapter, module_doc), id="intro", metadata=dict(_LOCKED)),
             new_code_cell(load_cell_source(), id="load", metadata=dict(_LOCKED))]
    n_code = 0
    for piece in pieces:
        source = piece.source.rstrip("\n")
        if piece.kind != "stub":
            n_code += 1
            cells.append(new_code_cell(source, id="setup" if n_code == 1 else f"setup-{n_code}"))
            continue
        stub = piece.name
        summary = piece.doc.splitlines()[0] if piece.doc else ""
        # the name only: a heading with the arguments could read as a line of another stub's solution
        explain = f"## `{stub}`\n\n{summary}\n\n{docstring_markdown(piece.doc)}".rstrip()
        qual = chapter.qualname(stub)
        cells.append(new_markdown_cell(explain, id=f"{stub}-explain", metadata=dict(_LOCKED)))
        cells.append(new_code_cell(source, id=stub, metadata={"torchdrill": {"stub": qual}}))
        cells.append(new_code_cell(check_cell_source(chapter, stub), id=f"{stub}-check",
                                   metadata={**_LOCKED, "tags": [CHECK_TAG], "torchdrill": {"check": qual}}))
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def notebook_text(nb) -> str:
    import nbformat

    return nbformat.writes(nb, version=4) + "\n"


def write_notebooks(course: Course, out: Path, stubs: dict[str, str] | None = None) -> list[Path]:
    """``out/notebooks/<chapter>.ipynb`` for every chapter; ``stubs``: chapter id -> stub module text
    already generated (else generated here).  Returns the files written."""
    folder = Path(out) / NOTEBOOKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in course.chapters:
        nb = build_notebook(course, chapter, (stubs or {}).get(chapter.id))
        path = folder / f"{chapter.id}.ipynb"
        path.write_text(notebook_text(nb), encoding="utf-8")
        written.append(path)
    return written
