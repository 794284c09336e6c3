"""exercises/ are generated from solutions/ and never drift; the stubs give nothing away.

Covers torchdrill.stubgen (make_stub, generate, check, the CLI) and the course invariants it
exists for: every chapter exposes exactly the stubs of the contract (docs course-spec,
"Chapters and stubs") with the same signatures and docstrings in solutions/ and exercises/,
every stub is its docstring plus ``raise NotImplementedError``, and no solution line leaks.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

try:
    from torchdrill import stubgen
except ImportError:  # running from a checkout that is not installed
    sys.path.insert(0, str(ROOT / "src"))
    from torchdrill import stubgen

# The contract: chapter → stub → parameters (names, kinds, defaults; annotations not compared).
CONTRACT: dict[str, dict[str, str]] = {
    "ex01_tensors": {
        "make_tensor": "(data)",
        "from_numpy": "(arr)",
        "to_numpy": "(t)",
        "zeros": "(*shape)",
        "ones": "(*shape)",
        "randn": "(*shape, generator=None)",
    },
    "ex02_tensor_ops": {
        "add": "(a, b)",
        "mul": "(a, b)",
        "matmul": "(a, b)",
        "flatten_row": "(t)",
        "to_column": "(t)",
        "squeeze_all": "(t)",
    },
    "ex03_device": {"pick_device": "()", "to_device": "(t, device)"},
    "ex04_autograd": {"grad_at": "(f, x)", "grad_of_sum": "(f, xs)", "vjp": "(f, x, v)"},
    "ex05_no_grad": {"eval_no_grad": "(f, x)", "detach": "(y)"},
    "ex06_grad_accumulation": {
        "accumulated_grads": "(f, x0, steps)",
        "fresh_grads": "(f, x0, steps)",
    },
    "ex07_optimization": {
        "loss_fn": "(y_pred, y_true)",
        "train_step": "(w, x, y_true, lr)",
        "train": "(x, y_true, lr=0.01, epochs=100, w0=1.0)",
    },
    "ex08_linear_regression": {
        "make_model": "(in_features=1, out_features=1)",
        "fit": "(model, x, y, lr=0.1, epochs=200)",
        "predict": "(model, x)",
    },
}
CHAPTERS = sorted(CONTRACT)


def _load(path: Path):
    """Execute a module by path under a private name (nothing is left in sys.modules)."""
    name = f"_stubgen_test_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stubs(module) -> dict[str, object]:
    """The public functions a module defines itself (imports excluded)."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if inspect.isfunction(obj)
        and obj.__module__ == module.__name__
        and not name.startswith("_")
    }


def _params(function) -> str:
    signature = inspect.signature(function)
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))


# --------------------------------------------------------------------------- make_stub


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_region_becomes_one_raise_at_the_marker_indentation():
    source = _src('''
        import torch


        def f(x):
            """Doc."""
            # BEGIN SOLUTION
            y = x + 1
            return y
            # END SOLUTION
        ''')
    assert stubgen.make_stub(source) == _src(f'''
        import torch


        def f(x):
            """Doc."""
            {stubgen.RAISE}
        ''')


def test_every_region_is_replaced_and_the_rest_is_kept():
    source = _src('''
        """Module doc."""
        import numpy as np

        SCALE = 2


        class Model:
            def forward(self, x):
                """Forward."""
                # BEGIN SOLUTION
                return x * SCALE
                # END SOLUTION


        def g(a, b=1):
            """G."""
            # BEGIN SOLUTION
            if a:
                return b
            return np.zeros(a)
            # END SOLUTION
        ''')
    stub = stubgen.make_stub(source)
    assert stub.count("raise NotImplementedError") == 2
    assert f"        {stubgen.RAISE}\n" in stub      # method body: 8 spaces
    assert f"\n    {stubgen.RAISE}\n" in stub        # function body: 4 spaces
    assert "SOLUTION" not in stub and "SCALE = 2\n" in stub
    assert "return x * SCALE" not in stub and "np.zeros" not in stub
    assert 'def g(a, b=1):\n    """G."""\n' in stub
    assert stubgen.make_stub(stub) == stub           # a stub has no regions left


def test_source_without_regions_is_unchanged():
    source = "def f():\n    return 1\n"
    assert stubgen.make_stub(source) == source


def test_raise_message_is_bilingual_and_chapter_independent():
    assert "아직 구현하지 않았습니다" in stubgen.NOT_IMPLEMENTED
    assert "not implemented yet" in stubgen.NOT_IMPLEMENTED
    assert stubgen.RAISE == f'raise NotImplementedError("{stubgen.NOT_IMPLEMENTED}")'


MALFORMED = {
    "BEGIN never closed": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            return 1
        ''', 3, "never closed"),
    "nested BEGIN": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            x = 1
            # BEGIN SOLUTION
            return x
            # END SOLUTION
        ''', 5, "nested"),
    "END without BEGIN": (
        '''
        def f():
            """D."""
            return 1
            # END SOLUTION
        ''', 4, "without a matching"),
    "second END": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
            # END SOLUTION
        ''', 6, "without a matching"),
    "empty region": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION

            # END SOLUTION
        ''', 3, "empty"),
    "region of comments only": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            # the answer goes here
            # END SOLUTION
        ''', 3, "empty"),
    "misspelt marker": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            return 1
            #END SOLUTION
        ''', 5, "malformed"),
    "nbgrader-style marker": (
        '''
        def f():
            """D."""
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION
        ''', 3, "malformed"),
    "END indented differently": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            return 1
        # END SOLUTION
        ''', 5, "indented differently"),
    "code left after the region": (
        '''
        def f():
            """D."""
            # BEGIN SOLUTION
            x = 1
            # END SOLUTION
            return x
        ''', 3, "more than its docstring"),
    "no docstring": (
        '''
        def f():
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
        ''', 2, "docstring"),
    "region outside a function": (
        '''
        # BEGIN SOLUTION
        X = 1
        # END SOLUTION
        ''', 1, "not directly inside a function"),
    "region nested in a block": (
        '''
        def f(a):
            """D."""
            if a:
                # BEGIN SOLUTION
                return 1
                # END SOLUTION
            return 0
        ''', 4, "not directly inside a function"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_markers_raise_with_file_and_line(case):
    text, line, words = MALFORMED[case]
    with pytest.raises(ValueError) as caught:
        stubgen.make_stub(_src(text), filename="solutions/ex99_demo.py")
    message = str(caught.value)
    assert message.startswith(f"solutions/ex99_demo.py:{line}:"), message
    assert words in message


def test_stub_that_does_not_compile_is_an_error():
    source = _src('''
        def f():
            """D."""
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
        return 2
        ''')
    with pytest.raises(ValueError, match=r"ex99\.py.*not valid Python"):
        stubgen.make_stub(source, filename="ex99.py")


# --------------------------------------------------------------------------- generate / check / CLI

GOOD = '''def f(x):
    """Doc."""
    # BEGIN SOLUTION
    return x + 1
    # END SOLUTION
'''


@pytest.fixture
def dirs(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "ex01_a.py").write_text(GOOD, encoding="utf-8")
    (solutions / "ex02_b.py").write_text(GOOD.replace("f(x)", "g(y)").replace("x + 1", "y"),
                                         encoding="utf-8")
    (solutions / "notes.txt").write_text("not a chapter", encoding="utf-8")
    return solutions, exercises


def test_generate_writes_every_chapter_and_check_then_agrees(dirs):
    solutions, exercises = dirs
    assert stubgen.check(solutions, exercises) == ["ex01_a.py", "ex02_b.py"]   # all missing
    written = stubgen.generate(solutions, exercises)
    assert written == [exercises / "ex01_a.py", exercises / "ex02_b.py"]
    assert sorted(p.name for p in exercises.iterdir()) == ["ex01_a.py", "ex02_b.py"]
    assert (exercises / "ex01_a.py").read_text(encoding="utf-8") == stubgen.make_stub(GOOD)
    assert stubgen.check(solutions, exercises) == []


def test_check_reports_changed_missing_and_extra_files(dirs):
    solutions, exercises = dirs
    stubgen.generate(solutions, exercises)
    (exercises / "ex01_a.py").write_text(GOOD, encoding="utf-8")         # the solution leaked
    (exercises / "ex02_b.py").unlink()
    (exercises / "ex03_orphan.py").write_text("", encoding="utf-8")
    assert stubgen.check(solutions, exercises) == ["ex01_a.py", "ex02_b.py", "ex03_orphan.py"]
    stubgen.generate(solutions, exercises)
    assert stubgen.check(solutions, exercises) == []
    assert not (exercises / "ex03_orphan.py").exists()


def test_generate_writes_nothing_when_a_solution_is_malformed(dirs):
    solutions, exercises = dirs
    stubgen.generate(solutions, exercises)
    before = {p.name: p.read_bytes() for p in exercises.iterdir()}
    (solutions / "ex02_b.py").write_text(GOOD.replace("    # END SOLUTION\n", ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"ex02_b\.py:3:"):
        stubgen.generate(solutions, exercises)
    assert {p.name: p.read_bytes() for p in exercises.iterdir()} == before


def test_main_check_exits_1_and_names_the_drifted_files(dirs, capsys):
    solutions, exercises = dirs
    args = ["--solutions", str(solutions), "--exercises", str(exercises)]
    assert stubgen.main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "ex01_a.py (missing)" in err and "ex02_b.py (missing)" in err
    assert "python -m torchdrill.stubgen" in err
    assert stubgen.main(args) == 0
    assert stubgen.main([*args, "--check"]) == 0
    (solutions / "ex01_a.py").write_text(GOOD.replace("x + 1", "x + 2"), encoding="utf-8")
    assert stubgen.main([*args, "--check"]) == 0        # a change inside a region: same stub
    (solutions / "ex01_a.py").write_text(GOOD.replace('"""Doc."""', '"""New doc."""'),
                                         encoding="utf-8")
    assert stubgen.main([*args, "--check"]) == 1
    assert "ex01_a.py (differs)" in capsys.readouterr().err


def test_main_reports_a_malformed_solution_without_traceback(dirs, capsys):
    solutions, exercises = dirs
    (solutions / "ex01_a.py").write_text(GOOD.replace("# BEGIN", "#BEGIN"), encoding="utf-8")
    assert stubgen.main(["--solutions", str(solutions), "--exercises", str(exercises)]) == 2
    assert "ex01_a.py:3: malformed solution marker" in capsys.readouterr().err


def test_module_entry_point_checks_the_repository():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "torchdrill.stubgen", "--check"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


# --------------------------------------------------------------------------- the course itself


def test_committed_exercises_match_the_generated_stubs():
    drifted = stubgen.check(SOLUTIONS, EXERCISES)
    assert drifted == [], (
        f"exercises/ have drifted from solutions/: {drifted}; "
        f"run `python -m torchdrill.stubgen` and commit the result"
    )


def test_every_contract_chapter_has_a_solution_and_an_exercise():
    assert sorted(p.stem for p in SOLUTIONS.glob("ex*.py")) == CHAPTERS
    assert sorted(p.stem for p in EXERCISES.glob("ex*.py")) == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_and_exercise_expose_exactly_the_contract_stubs(chapter):
    solution = _stubs(_load(SOLUTIONS / f"{chapter}.py"))
    exercise = _stubs(_load(EXERCISES / f"{chapter}.py"))
    assert sorted(solution) == sorted(CONTRACT[chapter])
    assert sorted(exercise) == sorted(CONTRACT[chapter])
    for name, params in CONTRACT[chapter].items():
        assert _params(solution[name]) == params, name
        assert inspect.signature(exercise[name]) == inspect.signature(solution[name]), name
        doc = inspect.getdoc(solution[name])
        assert doc and doc == inspect.getdoc(exercise[name]), name
        assert re.search(r"[가-힣]", doc) and re.search(r"[A-Za-z]{4}", doc), name
        assert "주의 / Watch out" in doc, name
    assert inspect.getdoc(_load(SOLUTIONS / f"{chapter}.py")), "module docstring"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_stub_is_its_docstring_and_raises_not_implemented(chapter):
    path = EXERCISES / f"{chapter}.py"
    module = _load(path)
    for name, function in _stubs(module).items():
        required = [
            p for p in inspect.signature(function).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        with pytest.raises(NotImplementedError) as caught:
            function(*[None] * len(required))
        assert str(caught.value) == stubgen.NOT_IMPLEMENTED, name
    raise_node = ast.dump(ast.parse(stubgen.RAISE).body[0])
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            assert len(node.body) == 2, node.name
            assert ast.get_docstring(node), node.name
            assert ast.dump(node.body[1]) == raise_node, node.name


def _solution_lines(source: str) -> list[str]:
    """The code lines inside the solution regions, found without stubgen's own parser."""
    lines, inside = [], False
    for line in source.splitlines():
        text = line.strip()
        if text == "# BEGIN SOLUTION":
            inside = True
        elif text == "# END SOLUTION":
            inside = False
        elif inside:
            lines.append(text)
    return lines


def _trivial(line: str) -> bool:
    """Lines too short or too generic to give an answer away (`return grads`, comments)."""
    return len(line) < 12 or line.startswith("#") or re.fullmatch(r"return \w+", line) is not None


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_solution_line_leaks_into_the_exercise(chapter):
    solution = (SOLUTIONS / f"{chapter}.py").read_text(encoding="utf-8")
    exercise = (EXERCISES / f"{chapter}.py").read_text(encoding="utf-8")
    code = _solution_lines(solution)
    assert code, "a chapter with no solution region"
    leaked = [line for line in code if not _trivial(line) and line in exercise]
    assert leaked == [], f"solution lines visible in exercises/{chapter}.py: {leaked}"
