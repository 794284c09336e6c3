"""visible.py: grader modules as students get them, the visible checks only.  Hidden checks, the
helpers, constants and imports only they use, the docstring and comments between statements are
cut; a visible check that needs the solutions, or shows a line of one, is withheld.  The release
bundle built from the real graders is tested in test_release.py."""
from __future__ import annotations

import ast
import textwrap

from torchdrill import visible

GRADER = textwrap.dedent('''
    """Hidden checks test negative inputs with SECRET_CASES."""
    from __future__ import annotations

    import math
    import os, json
    from torchdrill.grading import check, checks

    # only the hidden checks use these
    SECRET_CASES = [(-1, -2), (-3, 4)]
    PUBLIC_CASES = [(1, 2)]


    def _secret_helper(a, b):
        return math.fsum([a, b])


    def _public_helper(a, b):
        return a + b


    def _helper_of_helper():
        return _secret_helper(1, 2)


    @check("add", "positive numbers", visible=True)
    def test_add_visible(student):
        for a, b in PUBLIC_CASES:
            checks.expect(student.call("add", a, b).value == _public_helper(a, b), "wrong sum")


    @check("add", "negative numbers")
    def test_add_hidden(student):
        for a, b in SECRET_CASES:
            checks.expect(_helper_of_helper() and os.sep, "wrong sum")


    @check("add", "against the solution", visible=True)
    def test_add_reference(student, reference):
        pass


    @check("add", "visible only when literally true", visible=bool(1))
    def test_add_computed_visibility(student):
        pass


    def test_not_a_check():
        pass
''')


def test_hidden_checks_and_what_only_they_use_are_cut():
    out = visible.strip_hidden(GRADER)
    assert out.kept == ("PUBLIC_CASES", "_public_helper", "test_add_visible")
    assert set(out.removed) >= {"test_add_hidden", "test_add_reference", "test_add_computed_visibility",
                                "test_not_a_check", "SECRET_CASES", "_secret_helper", "_helper_of_helper",
                                "os", "json"}
    assert out.withheld == ("test_add_reference",)     # asks for the solutions
    for gone in ("SECRET_CASES", "negative", "_secret_helper", "only the hidden checks", "import os", "json",
                 "test_not_a_check", "reference"):
        assert gone not in out.text, gone
    assert "from __future__ import annotations" in out.text           # kept whole
    assert "from torchdrill.grading import check, checks" in out.text
    assert "import math" not in out.text                               # only the secret helper used it
    ast.parse(out.text)                                                # still a module
    assert [(name, is_check) for name, _text, is_check in out.parts] == [
        ("PUBLIC_CASES", False), ("_public_helper", False), ("test_add_visible", True)]


def test_a_visible_check_can_be_withheld_by_name():
    out = visible.strip_hidden(GRADER, withhold={"test_add_visible"})
    assert "test_add_visible" in out.withheld and "test_add_visible" not in out.kept
    assert "_public_helper" not in out.text and "PUBLIC_CASES" not in out.text


def test_a_grader_with_no_visible_check_keeps_nothing_but_future_imports():
    out = visible.strip_hidden('"""doc"""\nimport torch\nX = 1\n\n@check("s", "t")\ndef test_a():\n    X\n')
    assert out.kept == () and out.text.strip() == ""


def test_visibility_is_a_literal_true_only():
    def mark(src: str) -> ast.Call:
        fn = ast.parse(src).body[0]
        found = visible.check_mark(fn)
        assert found is not None
        return found

    assert visible.is_visible(mark('@check("s", "t", visible=True)\ndef test_a(): pass'))
    assert not visible.is_visible(mark('@check("s", "t", visible=False)\ndef test_a(): pass'))
    assert not visible.is_visible(mark('@check("s", "t")\ndef test_a(): pass'))
    assert not visible.is_visible(mark('@check("s", "t", visible=flag)\ndef test_a(): pass'))
    assert visible.is_visible(mark('@grading.check("s", "t", visible=1)\ndef test_a(): pass'))
    assert visible.check_mark(ast.parse('@other("s")\ndef test_a(): pass').body[0]) is None


def test_solution_lines_are_found_by_their_words_or_quoted_when_long():
    solution = {"return a + b": "solutions/ex.py:3", "return torch.stack(list_of_tensors, dim=0)": "solutions/ex.py:9"}
    assert visible.solution_in("    return   a + b", solution) == "return a + b"
    assert visible.solution_in(">>> return a + b", solution) == "return a + b"
    assert visible.solution_in('hint = "return torch.stack(list_of_tensors, dim=0) works"', solution) == \
        "return torch.stack(list_of_tensors, dim=0)"
    assert visible.solution_in('hint = "return a + b"', solution) is None          # short: only a whole line
    assert visible.solution_in("x = 1", solution) is None


def test_the_bundled_grader_has_a_header_in_each_language_and_still_runs_as_python():
    out = visible.bundle_grader(GRADER, "ex99_demo", "test_ex99_demo.py")
    header = out.text.split('"""')[1]
    assert header.startswith("ex99_demo: ")
    assert "torchdrill check ex99_demo" in header and header.count("torchdrill check ex99_demo") == 2
    ast.parse(out.text)
    assert out.kept == visible.strip_hidden(GRADER).kept


def test_a_visible_check_that_shows_a_solution_line_is_withheld_with_its_reason():
    solution = {"return a + b": "solutions/ex99_demo.py:4"}
    out, why = visible.safe_grader(GRADER, "ex99_demo", "test_ex99_demo.py", solution)
    assert out.withheld == ("test_add_visible", "test_add_reference")
    assert "test_add_visible" not in out.text and "_public_helper" not in out.text
    assert why == {"test_add_visible": "_public_helper: 'return a + b' is solutions/ex99_demo.py:4"}


def test_a_grader_that_shows_no_solution_is_bundled_as_it_is():
    out, why = visible.safe_grader(GRADER, "ex99_demo", "test_ex99_demo.py", {"return a * b": "x:1"})
    assert why == {} and out.text == visible.bundle_grader(GRADER, "ex99_demo", "test_ex99_demo.py").text
