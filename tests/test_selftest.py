"""torchdrill selftest: the mutation operators, stable ids, the equivalents file, the report, and
(slow) the whole thing through the engine: a grader without its hidden checks lets mutants live."""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from torchdrill.errors import CourseError
from torchdrill.selftest.equivalents import check_equivalents, load_equivalents
from torchdrill.selftest.mutants import mutate_chapter
from torchdrill.selftest.report import SelftestReport, to_json, verdicts
from torchdrill.selftest.runner import StubGrade

ROOT = Path(__file__).resolve().parents[1]

DEMO = '''\
"""A chapter for the operator tests."""
import torch


def helper(x):
    return x.mean()


def step(w, x, y, lr=0.5, epochs=3):
    """Docstring stays."""
    # BEGIN SOLUTION
    for _ in range(epochs):
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    return loss.item()
    # END SOLUTION


def shapes(t, a, b):
    """Views, dtypes, devices."""
    # BEGIN SOLUTION
    v = t.view(1, t.numel()).to(a.device)
    c = torch.tensor([1.0], dtype=torch.float32, requires_grad=True)
    if a.device.type != "cpu":
        v = v.cpu()
    return torch.matmul(a, b) + v.sum() + c.detach()
    # END SOLUTION


def fit(model, x, y, lr=0.1):
    """A model."""
    # BEGIN SOLUTION
    net = torch.nn.Linear(1, 1)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return torch.from_numpy(x.numpy())
    # END SOLUTION
'''


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list:
    path = tmp_path_factory.mktemp("demo") / "ex09_demo.py"
    path.write_text(DEMO, encoding="utf-8")
    return mutate_chapter(path, "ex09_demo")


def _squash(code: str) -> str:
    return "".join(code.split())


def _body(source: str, name: str) -> str:
    """The body of function ``name`` in ``source`` as normalised code (ast.unparse, docstring left
    out, whitespace removed: statements run together in order)."""
    fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return _squash("\n".join(ast.unparse(s) for s in fn.body[1:]))


def _one(demo, operator: str, stub: str, needle: str):
    hits = [m for m in demo if m.operator == operator and m.stub == stub and _squash(needle) in _body(m.source, stub)]
    assert hits, f"{operator} made no mutant of {stub} with {needle!r}: " + "; ".join(
        m.label for m in demo if m.operator == operator)
    return hits[0]


# (operator, stub, a line the mutated body holds, a line it no longer holds)
CASES = [
    ("drop_call", "step", "loss = ((w * x - y) ** 2).mean()\n    with torch.no_grad()", "loss.backward()"),
    ("drop_call", "step", "w -= lr * w.grad\n    return", "w.grad.zero_()"),
    ("unwrap_no_grad", "step", "loss.backward()\n    w -= lr * w.grad", "torch.no_grad()"),
    ("zero_before_backward", "step", "w.grad.zero_()\n    loss.backward()", None),
    ("rebind_update", "step", "w = w - lr * w.grad", "w -= lr"),
    ("mean_sum", "step", "((w * x - y) ** 2).sum()", ".mean()"),
    ("literal_arg", "step", "range(3)", "range(epochs)"),
    ("literal_arg", "step", "w -= 0.5 * w.grad", None),
    ("range_off_by_one", "step", "range(epochs - 1)", None),
    ("range_off_by_one", "step", "range(1, epochs)", None),
    ("add_float", "shapes", "return float(torch.matmul(a, b) + v.sum() + c.detach())", None),
    ("drop_method", "step", "((w * x - y) ** 2).mean()", "loss.item()"),
    ("arith", "step", "w += lr * w.grad", None),
    ("constant", "step", "** 3", None),
    ("view_reshape", "shapes", "t.reshape(1, t.numel())", "t.view("),
    ("add_clone", "shapes", "t.view(1, t.numel()).clone()", None),
    ("drop_to", "shapes", "v = t.view(1, t.numel())\n", None),
    ("force_cpu", "shapes", ".to('cpu')", None),
    ("dtype", "shapes", "dtype=torch.float64", "torch.float32"),
    ("drop_kwarg", "shapes", "torch.tensor([1.0], requires_grad=True)", None),
    ("requires_grad", "shapes", "requires_grad=False", None),
    ("drop_detach", "shapes", "+ c\n", "detach"),
    ("compare", "shapes", "a.device.type == 'cpu'", None),
    ("negate_cond", "shapes", "if not a.device.type != 'cpu'", None),
    ("api_swap", "shapes", "torch.mul(a, b)", "torch.matmul"),
    ("swap_args", "shapes", "torch.matmul(b, a)", None),
    ("dim", "shapes", "v.sum(dim=0)", None),
    ("add_item", "shapes", ".detach()).item()", None),
    ("add_cast", "shapes", ".double()", None),
    ("bias_false", "fit", "torch.nn.Linear(1, 1, bias=False)", None),
    ("optimizer_swap", "fit", "torch.optim.Adam(", "SGD"),
    ("optimizer_swap", "fit", "momentum=0.9", None),
    ("loss_swap", "fit", "torch.nn.L1Loss()", "MSELoss"),
    ("reduction", "fit", "MSELoss(reduction='sum')", None),
    ("zero_before_backward", "fit", "loss.backward()\n    optimizer.zero_grad()\n    optimizer.step()", None),
    ("api_swap", "fit", "torch.tensor(x.numpy())", "from_numpy"),
    # right answers
    ("grad_none", "step", "w.grad = None", "zero_()"),
    ("inplace_method", "step", "w.sub_(lr * w.grad)", "-="),
    ("item_float", "step", "return float(loss)", None),
    ("mse_functional", "step", "torch.nn.functional.mse_loss(w * x, y)", None),
    ("operator_form", "shapes", "a @ b", "torch.matmul"),
    ("as_tensor", "fit", "torch.as_tensor(x.numpy())", "from_numpy"),
    ("mse_functional", "fit", "criterion = torch.nn.functional.mse_loss", None),
    ("zero_grad_after_step", "fit", "optimizer.step()\n    optimizer.zero_grad()\n    return", None),
]


@pytest.mark.parametrize("operator, stub, present, absent", CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_operator_makes_the_intended_change(demo, operator, stub, present, absent):
    m = _one(demo, operator, stub, present)
    body = _body(m.source, stub)
    if absent is not None:
        assert _squash(absent) not in body
    # exactly one stub changed; everything outside it (the helper, the other stubs) is as it was
    for other in ("helper", "step", "shapes", "fit"):
        if other != stub:
            assert _body(m.source, other) == _body(DEMO, other)
    assert m.id.startswith(f"ex09_demo.{stub}:{operator}:")
    assert "# BEGIN SOLUTION" in m.source and "# END SOLUTION" in m.source   # markers kept
    assert m.diff.startswith("--- a/solutions/ex09_demo.py")


def test_nothing_outside_the_regions_is_mutated(demo):
    assert all(_body(m.source, "helper") == _body(DEMO, "helper") for m in demo)
    assert all('"""Docstring stays."""' in m.source for m in demo)


def test_families_and_one_change_each(demo):
    families = {m.family for m in demo}
    assert families == {"wrong", "right"}
    assert len({m.source for m in demo}) == len(demo)          # no two mutants alike
    assert len({m.id for m in demo}) == len(demo)              # nor two ids


def test_ids_are_stable_when_the_rest_of_the_file_moves(tmp_path, demo):
    moved = DEMO.replace('"""A chapter for the operator tests."""',
                         '"""A chapter for the operator tests.\n\nWith a longer docstring\nthat shifts every line."""')
    moved = moved.replace("def helper(x):\n    return x.mean()", "def helper(x):\n    y = x * 2\n    return y.mean()")
    path = tmp_path / "ex09_demo.py"
    path.write_text(moved, encoding="utf-8")
    again = mutate_chapter(path, "ex09_demo")
    assert [m.id for m in again] == [m.id for m in demo]
    # and a change inside one stub leaves the other stubs' ids alone
    path.write_text(DEMO.replace("net = torch.nn.Linear(1, 1)", "net = torch.nn.Linear(2, 1)"), encoding="utf-8")
    changed = mutate_chapter(path, "ex09_demo")
    assert [m.id for m in changed if m.stub != "fit"] == [m.id for m in demo if m.stub != "fit"]


# --------------------------------------------------------------------------- equivalents and report

def test_equivalents_file_is_checked(tmp_path, demo):
    swap = next(m for m in demo if m.operator == "swap_args")
    right = next(m for m in demo if m.family == "right")
    (tmp_path / "selftest.yml").write_text(f"equivalent:\n  {swap.id}: both orders give the same answer here\n")
    declared = load_equivalents(tmp_path)
    assert {k: e.reason for k, e in check_equivalents(declared, demo, {"ex09_demo.shapes"}).items()} == {
        swap.id: "both orders give the same answer here"}
    (tmp_path / "selftest.yml").write_text(f"equivalent:\n  {swap.id}:\n    reason: only one device here\n"
                                           "    devices: [cpu]\n")
    entry = load_equivalents(tmp_path)[swap.id]
    assert entry.applies("cpu") and not entry.applies("cuda")
    # an entry that matches no mutant is an error, and so is a right answer declared equivalent
    for bad in ("ex09_demo.shapes:swap_args:00000000", right.id):
        (tmp_path / "selftest.yml").write_text(f"equivalent:\n  {bad}: a reason long enough\n")
        with pytest.raises(CourseError, match=bad.split(":")[-1]):
            check_equivalents(load_equivalents(tmp_path), demo, {"ex09_demo.shapes", f"ex09_demo.{right.stub}"})
    (tmp_path / "selftest.yml").write_text(f"equivalent:\n  {swap.id}: ''\n")
    with pytest.raises(CourseError, match="reason"):
        load_equivalents(tmp_path)


def test_report_counts_and_json_shape(demo):
    wrong = [m for m in demo if m.family == "wrong" and m.stub == "fit"][:4]
    right = [m for m in demo if m.family == "right" and m.stub == "fit"][:1]
    full, lost = StubGrade(4.0, 4.0, (), False), StubGrade(3.0, 4.0, ("trajectory",), False)
    grades = {wrong[0].id: {"ex09_demo.fit": lost}, wrong[1].id: {"ex09_demo.fit": full},
              wrong[2].id: {"ex09_demo.fit": full}, wrong[3].id: {"ex09_demo.fit": lost},
              right[0].id: {"ex09_demo.fit": full}}
    judged, problems = verdicts(wrong + right, grades, {wrong[2].id: "same behaviour"})
    report = SelftestReport(stubs=("ex09_demo.fit",), verdicts=tuple(judged), problems=tuple(problems))
    data = to_json(report)
    assert (data["mutants"], data["killed"], data["equivalent"]) == (4, 2, 1)
    assert data["score"] == pytest.approx(2 / 3)
    stub = data["stubs"]["ex09_demo.fit"]
    assert (stub["mutants"], stub["killed"], stub["equivalent"]) == (4, 2, 1)
    assert [s["operator"] for s in stub["survived"]] == [wrong[1].operator]
    assert stub["survived"][0]["diff"] == wrong[1].diff
    assert not report.passed(1.0) and report.passed(0.6)
    # a declared equivalent that the graders kill is a problem; a right answer that loses points too
    judged, problems = verdicts(wrong[:1] + right, {wrong[0].id: {"ex09_demo.fit": lost},
                                                    right[0].id: {"ex09_demo.fit": lost}}, {wrong[0].id: "x" * 12})
    report = SelftestReport(stubs=("ex09_demo.fit",), verdicts=tuple(judged), problems=tuple(problems))
    assert problems and report.wrongly_rejected == 1 and not report.passed(0.0)


def test_the_course_has_enough_mutants_over_every_stub():
    from torchdrill.course import load_course
    from torchdrill.selftest import mutate_course

    course = load_course(ROOT)
    mutants = mutate_course(course)
    wrong = [m for m in mutants if m.family == "wrong"]
    assert len(wrong) >= 200
    assert {m.qualname for m in wrong} == set(course.qualnames())
    # every declared equivalent still names a mutant
    check_equivalents(load_equivalents(course.graders_dir), mutants, set(course.qualnames()))


# --------------------------------------------------------------------------- through the engine (slow)

def _drop_hidden_checks(grader: Path, stub: str) -> int:
    """Remove the hidden checks of ``stub`` from a grader module; how many went."""
    from torchdrill.visible import check_mark

    tree = ast.parse(grader.read_text(encoding="utf-8"))
    kept, dropped = [], 0
    for node in tree.body:
        mark = check_mark(node)
        hidden = mark is not None and isinstance(mark.args[0], ast.Constant) and mark.args[0].value == stub and not any(
            k.arg == "visible" and isinstance(k.value, ast.Constant) and k.value.value is True for k in mark.keywords)
        dropped += hidden
        if not hidden:
            kept.append(node)
    tree.body = kept
    grader.write_text(ast.unparse(tree) + "\n", encoding="utf-8")
    return dropped


@pytest.mark.slow
def test_a_grader_without_its_hidden_checks_lets_mutants_survive(tmp_path):
    from torchdrill.cli import main

    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "course.yml", course / "course.yml")
    for d in ("solutions", "graders"):
        shutil.copytree(ROOT / d, course / d)
    assert _drop_hidden_checks(course / "graders" / "test_ex05_no_grad.py", "detach") >= 1
    out = tmp_path / "s.json"
    rc = main(["selftest", "ex05_no_grad.detach", "--course", str(course), "--json", str(out), "--jobs", "2",
               "--no-progress"])
    data = json.loads(out.read_text(encoding="utf-8"))
    stub = data["stubs"]["ex05_no_grad.detach"]
    assert rc == 1
    assert stub["survived"], stub
    assert data["score"] < 1.0
    assert list(data["stubs"]) == ["ex05_no_grad.detach"]
    # the copy that a view must not be is among the survivors, shown as a diff
    assert any(s["operator"] == "add_clone" and "+    return y.detach().clone()" in s["diff"] for s in stub["survived"])


@pytest.mark.slow
@pytest.mark.timeout(3000)      # ~5 min on 2 quiet cores with the 2026-12 engine, 14 on busy shared ones
def test_selftest_whole_course_min_score_1(tmp_path):
    """CI: every wrong-answer mutant of the course is killed or declared equivalent, and every
    right-answer rewrite keeps full marks (`torchdrill selftest --min-score 1.0`)."""
    from torchdrill.cli import main

    out = tmp_path / "s.json"
    rc = main(["selftest", "--course", str(ROOT), "--min-score", "1.0", "--json", str(out), "--no-progress"])
    data = json.loads(out.read_text(encoding="utf-8"))
    survivors = {q: [s["id"] for s in v["survived"]] for q, v in data["stubs"].items() if v["survived"]}
    rejected = {q: [s["id"] for s in v["wrongly_rejected"]] for q, v in data["stubs"].items() if v["wrongly_rejected"]}
    assert (rc, survivors, rejected, data["problems"]) == (0, {}, {}, [])
    assert data["mutants"] >= 200 and data["score"] == 1.0
