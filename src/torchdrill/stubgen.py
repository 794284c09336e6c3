"""Generate the student stubs in ``exercises/`` from the reference modules in ``solutions/``.

A reference module marks the code students must write with two comment lines, the way nbgrader
and otter-grader do::

    def loss_fn(y_pred, y_true):
        \"\"\"The spec, in Korean and English.\"\"\"
        # BEGIN SOLUTION
        return ((y_pred - y_true) ** 2).mean()
        # END SOLUTION

Each region, markers included, becomes one ``raise NotImplementedError(...)`` line at the
markers' indentation; everything else (imports, signatures, docstrings) is copied as it is.  The
result must compile, and every function that held a region must be left with exactly its
docstring and the ``raise``: so a region always covers the whole body after the docstring.

Usage::

    python -m torchdrill.stubgen            # write exercises/ from solutions/
    python -m torchdrill.stubgen --check    # exit 1 when the committed exercises/ have drifted

Pure standard library: generating stubs never imports torch.
"""
from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from .fsutil import write_atomic

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
NOT_IMPLEMENTED = "아직 구현하지 않았습니다 / not implemented yet"
RAISE = f'raise NotImplementedError("{NOT_IMPLEMENTED}")'
PATTERN = "ex*.py"


@dataclass(frozen=True)
class Region:
    """One solution region: 1-based line numbers of its two markers and their indentation."""

    begin: int
    end: int
    indent: str


def _lines(source: str) -> list[str]:
    """Split like Python's tokenizer counts lines (on "\\n" only), keeping the line ends.

    ``str.splitlines`` also splits on form feeds and Unicode line separators, which would put
    line numbers out of step with the ones ``ast`` reports.
    """
    parts = source.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _marker(line: str) -> str | None:
    """BEGIN or END when the line is a marker, None for ordinary lines.

    A near miss (``#BEGIN SOLUTION``, ``# end solution``, ``### BEGIN SOLUTION``, text after the
    marker) is an error rather than an ordinary comment: treating it as code would ship the
    solution to students.
    """
    text = line.strip()
    if text in (BEGIN, END):
        return text
    squashed = "".join(text.lstrip("#").split()).upper()
    if text.startswith("#") and squashed.startswith(("BEGINSOLUTION", "ENDSOLUTION")):
        return "malformed"
    return None


def find_regions(source: str, filename: str = "<string>") -> list[Region]:
    """The solution regions of ``source`` in order; ValueError (file:line) for bad markers."""
    regions: list[Region] = []
    open_at: int | None = None
    open_indent = ""
    lines = _lines(source)
    for number, line in enumerate(lines, start=1):
        kind = _marker(line)
        if kind is None:
            continue
        where = f"{filename}:{number}"
        indent = line[: len(line) - len(line.lstrip())]
        if kind == "malformed":
            raise ValueError(
                f"{where}: malformed solution marker {line.strip()!r}; "
                f"write exactly {BEGIN!r} or {END!r}"
            )
        if kind == BEGIN:
            if open_at is not None:
                raise ValueError(
                    f"{where}: nested {BEGIN!r}: the region opened at line {open_at} is not closed"
                )
            open_at, open_indent = number, indent
            continue
        if open_at is None:
            raise ValueError(f"{where}: {END!r} without a matching {BEGIN!r}")
        if indent != open_indent:
            raise ValueError(
                f"{where}: {END!r} is indented differently from its {BEGIN!r} at line {open_at}"
            )
        regions.append(Region(open_at, number, open_indent))
        open_at = None
    if open_at is not None:
        raise ValueError(f"{filename}:{open_at}: {BEGIN!r} is never closed by {END!r}")
    for region in regions:
        body = lines[region.begin : region.end - 1]
        if not any(text.strip() and not text.strip().startswith("#") for text in body):
            raise ValueError(
                f"{filename}:{region.begin}: the solution region is empty (no code before line "
                f"{region.end})"
            )
    return regions


def _stub_functions(tree: ast.Module) -> dict[int, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Map the line of every statement directly in a function body to that function."""
    owner: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in node.body:
                owner[statement.lineno] = node
    return owner


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def make_stub(source: str, filename: str = "<string>") -> str:
    """Return ``source`` with every solution region replaced by the ``raise`` line.

    Raises ValueError naming ``filename`` and the line when a marker is malformed, a region is
    empty, the result does not compile, or a region does not hold a function's whole body after
    its docstring.
    """
    regions = find_regions(source, filename)
    lines = _lines(source)
    out: list[str] = []
    raise_lines: list[tuple[int, Region]] = []   # (line in the stub, region it came from)
    position = 0                                  # index into lines of the next line to copy
    for region in regions:
        out.extend(lines[position : region.begin - 1])
        out.append(f"{region.indent}{RAISE}\n")
        raise_lines.append((len(out), region))
        position = region.end
    out.extend(lines[position:])
    stub = "".join(out)

    try:
        compile(stub, filename, "exec", dont_inherit=True)
        tree = ast.parse(stub, filename=filename)
    except SyntaxError as error:
        raise ValueError(
            f"{filename}: the generated stub is not valid Python (line {error.lineno} of the "
            f"stub): {error.msg}"
        ) from error
    owner = _stub_functions(tree)
    for stub_line, region in raise_lines:
        function = owner.get(stub_line)
        if function is None:
            raise ValueError(
                f"{filename}:{region.begin}: the solution region is not directly inside a "
                f"function body"
            )
        body = function.body
        if not (len(body) == 2 and _is_docstring(body[0]) and body[1].lineno == stub_line):
            raise ValueError(
                f"{filename}:{region.begin}: the stub of {function.name}() would keep more than "
                f"its docstring and the raise; the region must hold the whole body after the "
                f"docstring (and the function needs a docstring)"
            )
    return stub


def _expected(solutions_dir: Path) -> dict[str, str]:
    """File name → generated stub text, for every chapter file in ``solutions_dir``."""
    if not solutions_dir.is_dir():
        raise FileNotFoundError(f"no solutions directory at {solutions_dir}")
    return {
        path.name: make_stub(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(solutions_dir.glob(PATTERN))
    }


def generate(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write the stub of every ``ex*.py`` in ``solutions_dir`` into ``exercises_dir``.

    Every stub is built before anything is written, so a malformed solution leaves
    ``exercises_dir`` untouched. Stale ``ex*.py`` files with no solution are removed; files whose
    content is already right are not rewritten. Returns the paths of all stubs, in name order.
    """
    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    expected = _expected(solutions_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(exercises_dir.glob(PATTERN)):
        if stale.name not in expected:
            stale.unlink()
    written: list[Path] = []
    for name, text in expected.items():
        target = exercises_dir / name
        data = text.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data)
        written.append(target)
    return written


def check(solutions_dir: Path, exercises_dir: Path) -> list[str]:
    """Names of the ``ex*.py`` files in which ``exercises_dir`` differs from what generate() writes.

    A file counts when its content differs, when it is missing from ``exercises_dir``, or when
    it is there without a solution. Nothing is written.
    """
    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    expected = _expected(solutions_dir)
    present = {path.name: path for path in exercises_dir.glob(PATTERN)}   # none if no directory
    drifted = [
        name
        for name, text in expected.items()
        if name not in present or present[name].read_bytes() != text.encode("utf-8")
    ]
    drifted += [name for name in present if name not in expected]
    return sorted(drifted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m torchdrill.stubgen",
        description="Generate the student stubs in exercises/ from the reference solutions.",
    )
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when exercises/ differ from the stubs")
    parser.add_argument("--solutions", type=Path, default=Path("solutions"),
                        help="directory of reference modules (default: ./solutions)")
    parser.add_argument("--exercises", type=Path, default=Path("exercises"),
                        help="directory of student stubs (default: ./exercises)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            drifted = check(args.solutions, args.exercises)
            if drifted:
                print(f"{args.exercises} is out of date with {args.solutions}: "
                      f"{len(drifted)} file(s) differ from the generated stubs:", file=sys.stderr)
                for name in drifted:
                    state = ("missing" if not (args.exercises / name).exists()
                             else "no solution" if not (args.solutions / name).exists()
                             else "differs")
                    print(f"  {name} ({state})", file=sys.stderr)
                print("Regenerate with: python -m torchdrill.stubgen", file=sys.stderr)
                return 1
            print(f"{args.exercises} is up to date with {args.solutions}.")
            return 0
        written = generate(args.solutions, args.exercises)
    except (ValueError, FileNotFoundError) as error:
        print(f"stubgen: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {len(written)} stub(s) to {args.exercises}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
