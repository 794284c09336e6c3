"""`torchdrill similarity`: the few pairs whose code is alike beyond what the task forces.

The class is made by ``scripts/make_class.py`` (every right answer is the reference solution, the
wrong ones come from a small pool, so many independent students share code), plus:

* ``yuna_original`` (folders of .py files) and ``minho_copy`` (one notebook) — the same own
  solutions of eight stubs, with every variable renamed, comments reworded and the functions in
  another order;
* ``dana_single`` and ``eli_single`` — two otherwise independent generated students who share one
  stub (``vjp``) written in an unusual way, renamed;
* ``ivan_own`` and ``judy_own`` — each wrote every stub of two chapters on their own, right, in the
  canonical way the task forces (the reference's shape, their own names).

No torch, no sandbox: nothing is run, only read.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from torchdrill.cli import main
from torchdrill.course import load_course
from torchdrill.similarity import expand, screen
from torchdrill.similarity.extract import cut
from torchdrill.similarity.fingerprint import fingerprint, kgram_hashes
from torchdrill.similarity.rank import score_pairs
from torchdrill.similarity.render import render_html, to_dict
from torchdrill.similarity.tokens import normalise

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_course(ROOT)


def _make_class_module():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "scripts" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_own(chapter: str, code: str) -> str:
    """The reference module with the student's own versions after it (the last definition wins)."""
    return (ROOT / "solutions" / f"{chapter}.py").read_text(encoding="utf-8") + "\n\n" + textwrap.dedent(code)


YUNA = {
    "ex06_grad_accumulation": """
        def accumulated_grads(f, x0, steps):
            point = torch.tensor(float(x0), requires_grad=True)
            seen = []
            for _ in range(steps):
                value = f(point)
                value.backward()
                seen.append(float(point.grad))   # keep adding up
            return seen

        def fresh_grads(f, x0, steps):
            point = torch.tensor(float(x0), requires_grad=True)
            seen = []
            for _ in range(steps):
                point.grad = None
                value = f(point)
                value.backward()
                seen.append(float(point.grad))
            return seen
        """,
    "ex07_optimization": """
        def loss_fn(y_pred, y_true):
            diff = y_pred - y_true
            squared = diff * diff
            return squared.sum() / diff.numel()

        def train_step(w, x, y_true, lr):
            prediction = w * x
            current = loss_fn(prediction, y_true)
            current.backward()
            with torch.no_grad():
                w.sub_(lr * w.grad)
            w.grad.zero_()
            return float(current.detach())

        def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
            weight = torch.full((), float(w0), device=x.device, requires_grad=True)
            history = []
            for epoch in range(epochs):
                history.append(train_step(weight, x, y_true, lr))
            return weight
        """,
    "ex08_linear_regression": """
        def fit(model, x, y, lr=0.1, epochs=200):
            criterion = torch.nn.MSELoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            losses = []
            epoch = 0
            while epoch < epochs:
                optimizer.zero_grad()
                out = model(x)
                loss = criterion(out, y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                epoch += 1
            return losses

        def predict(model, x):
            was_training = model.training
            model.eval()
            with torch.no_grad():
                result = model(x)
            model.train(was_training)
            return result
        """,
}

# the same eight functions, renamed, recommented, reordered, spread over notebook cells
MINHO_CELLS = [
    """
    import torch

    def predict(model, inputs):
        # remember the mode, then evaluate without a graph
        mode_before = model.training
        model.eval()
        with torch.no_grad():
            outputs = model(inputs)
        model.train(mode_before)
        return outputs
    """,
    """
    def train_step(weights, xs, targets, step_size):
        guess = weights * xs
        loss_now = loss_fn(guess, targets)
        loss_now.backward()
        with torch.no_grad():
            weights.sub_(step_size * weights.grad)
        weights.grad.zero_()
        return float(loss_now.detach())


    def fresh_grads(fn, start, n):
        t = torch.tensor(float(start), requires_grad=True)
        out = []
        for _ in range(n):
            t.grad = None       # start from nothing each time
            r = fn(t)
            r.backward()
            out.append(float(t.grad))
        return out
    """,
    """
    def fit(net, xs, ys, lr=0.1, epochs=200):
        mse = torch.nn.MSELoss()
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        curve = []
        i = 0
        while i < epochs:
            opt.zero_grad()
            pred = net(xs)
            l = mse(pred, ys)
            l.backward()
            opt.step()
            curve.append(l.item())
            i += 1
        return curve


    def loss_fn(y_pred, y_true):
        e = y_pred - y_true
        e2 = e * e
        return e2.sum() / e.numel()
    """,
    """
    def accumulated_grads(fn, start, n):
        t = torch.tensor(float(start), requires_grad=True)
        out = []
        for _ in range(n):
            r = fn(t)
            r.backward()
            out.append(float(t.grad))
        return out


    def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
        w_t = torch.full((), float(w0), device=x.device, requires_grad=True)
        log = []
        for k in range(epochs):
            log.append(train_step(w_t, x, y_true, lr))
        return w_t
    """,
]

VJP_DANA = """
    def vjp(f, x, v):
        inp = x.detach().clone().requires_grad_(True)
        out = f(inp)
        (grad,) = torch.autograd.grad(outputs=out, inputs=inp, grad_outputs=v, retain_graph=False)
        return grad.detach().to(x.dtype)
    """
VJP_ELI = """
    def vjp(f, x, v):
        xx = x.detach().clone().requires_grad_(True)   # my own copy
        yy = f(xx)
        (g,) = torch.autograd.grad(outputs=yy, inputs=xx, grad_outputs=v, retain_graph=False)
        return g.detach().to(x.dtype)
    """

IVAN = {
    "ex05_no_grad": """
        def eval_no_grad(f, x):
            with torch.no_grad():
                out = f(x)
            return out

        def detach(y):
            return y.detach()
        """,
    "ex07_optimization": """
        def loss_fn(y_pred, y_true):
            return ((y_pred - y_true) ** 2).mean()

        def train_step(w, x, y_true, lr):
            loss = loss_fn(w * x, y_true)
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
            return loss.item()

        def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
            w = torch.tensor(w0, device=x.device, requires_grad=True)
            for _ in range(epochs):
                train_step(w, x, y_true, lr)
            return w
        """,
}
JUDY = {
    "ex05_no_grad": """
        def eval_no_grad(f, x):
            with torch.no_grad():
                result = f(x)
            return result

        def detach(y):
            return y.detach()
        """,
    "ex07_optimization": """
        def loss_fn(y_pred, y_true):
            return ((y_pred - y_true) ** 2).mean()

        def train_step(w, x, y_true, lr):
            l = loss_fn(w * x, y_true)
            l.backward()
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
            return l.item()

        def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
            weight = torch.tensor(float(w0), device=x.device, requires_grad=True)
            for step in range(epochs):
                train_step(weight, x, y_true, lr)
            return weight
        """,
}

COPIED = {frozenset({"yuna_original", "minho_copy"}), frozenset({"dana_single", "eli_single"})}


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    return build_class(tmp_path_factory.mktemp("similarity") / "class")


def build_class(root: Path) -> Path:
    """The generated class in ``root`` with the planted pairs (see the module's docstring)."""
    make = _make_class_module()
    make.make_class(root, students=36, seed=7)

    def folder(name: str, chapters: dict[str, str]) -> None:
        (root / name).mkdir()
        for chapter, code in chapters.items():
            (root / name / f"{chapter}.py").write_text(_with_own(chapter, code), encoding="utf-8")

    folder("yuna_original", YUNA)
    folder("ivan_own", IVAN)
    folder("judy_own", JUDY)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My homework (ex06-ex08)")]
    nb.cells += [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in MINHO_CELLS]
    (root / "minho_copy.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")

    # two students of another generated class, independent of each other, who share one stub
    others = root.parent / "others"
    make.make_class(others, students=12, seed=11)
    with_ex04 = [p for p in sorted(others.iterdir()) if (p / "ex04_autograd.py").is_file()][:2]
    for new, src, vjp in zip(("dana_single", "eli_single"), with_ex04, (VJP_DANA, VJP_ELI), strict=True):
        shutil.copytree(src, root / new)
        target = root / new / "ex04_autograd.py"
        target.write_text(target.read_text(encoding="utf-8") + "\n\n" + textwrap.dedent(vjp), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def screened(klass):
    return screen(expand([klass], COURSE), COURSE, top=10)


# =========================================================================== the whole class

def test_the_planted_copies_rank_first_and_nothing_else_is_flagged(screened):
    assert len(screened.names) == 40 + 6
    first_two = {frozenset({screened.pairs[0].a, screened.pairs[0].b}),
                 frozenset({screened.pairs[1].a, screened.pairs[1].b})}
    assert first_two == COPIED
    flagged = {frozenset({p.a, p.b}) for p in screened.pairs if p.flagged}
    assert flagged == COPIED
    assert screened.flagged == 2
    # the third pair is well below the second: the copies stand apart
    assert screened.pairs[2].score < screened.threshold <= screened.pairs[1].score


def test_the_copied_pair_matches_in_every_stub_it_copied(screened):
    pair = next(p for p in screened.pairs if {p.a, p.b} == {"yuna_original", "minho_copy"})
    stubs = {m.qualname.split(".", 1)[1] for m in pair.matches}
    assert stubs >= {"accumulated_grads", "fresh_grads", "loss_fn", "train_step", "train", "fit", "predict"}
    single = next(p for p in screened.pairs if {p.a, p.b} == {"dana_single", "eli_single"})
    assert single.matches[0].qualname == "ex04_autograd.vjp"


def test_independent_right_answers_stay_below_the_threshold(screened):
    scores = {frozenset({str(screened.names[a]), str(screened.names[b])}): s
              for a, b, s in zip(screened.scores.a, screened.scores.b, screened.scores.score, strict=True)}
    assert scores.get(frozenset({"ivan_own", "judy_own"}), 0.0) < screened.threshold
    # the generated students' right answers are all the reference solution: never worth anything
    for pair, score in scores.items():
        if pair not in COPIED:
            assert score < screened.threshold, (sorted(pair), score)


def test_a_submission_left_as_the_stubs_has_no_code_of_its_own(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "untouched", ignore=shutil.ignore_patterns("__pycache__"))
    sub = screen([tmp_path / "untouched", ROOT / "solutions"], COURSE, top=5)
    assert sub.scores.score.size == 0 or sub.scores.score.max() == 0
    assert "untouched" in sub.notes and sub.notes["untouched"] == ["no code of the student's own was found"]


# =========================================================================== the stages

def test_normalised_tokens_forget_names_literals_and_comments():
    a = normalise("total = ((pred - y) ** 2).mean()  # mse\n")
    b = normalise("loss = ((a_b - c) ** 2).sum()\n")
    c = normalise("loss = ((a_b - c) ** 3).sum(); print('x')\n")
    assert list(a.ids) == list(b.ids)
    assert list(a.ids) != list(c.ids)
    # spans point back at the code as written
    text = "total = ((pred - y) ** 2).mean()  # mse\n"
    assert [text[s:e] for s, e in zip(a.starts, a.ends, strict=True)][:3] == ["total", "=", "("]


def test_fingerprints_are_the_same_in_every_process():
    ids = normalise("for i in range(10):\n    x = x + i * 2\nreturn x\n").ids
    assert kgram_hashes(ids).tolist() == kgram_hashes(ids.copy()).tolist()
    # a fixed expectation: python's salted hash() would change it from run to run
    assert kgram_hashes(np.arange(7, dtype=np.int64), k=6).tolist() == kgram_hashes(np.arange(7), k=6).tolist()
    assert len(kgram_hashes(np.arange(5), k=6)) == 0


def test_the_template_is_boilerplate():
    template = normalise("def f(x):\n    '''doc'''\n    return helper(x, 1, 2, 3) + other(x)\n")
    student = normalise("return helper(x, 1, 2, 3) + other(x)\n")
    from torchdrill.similarity.fingerprint import boilerplate

    assert len(fingerprint(student).hashes) > 0
    assert len(fingerprint(student, boilerplate(template)).hashes) == 0


def test_cut_takes_the_last_definition_after_its_docstring():
    source = textwrap.dedent('''
        """module docstring"""
        import torch

        def loss_fn(y_pred, y_true):
            """spec"""
            raise NotImplementedError("not implemented yet")

        def helper(a):
            return a * 2

        def loss_fn(y_pred, y_true):
            """spec"""
            # mine
            return helper((y_pred - y_true) ** 2).mean()

        def train_step(w, x, y_true, lr):
            """spec"""
            raise NotImplementedError
        ''')
    pieces = cut(source, "ex07_optimization", ["loss_fn", "train_step", "train"], "ex07_optimization.py")
    assert set(pieces) == {"ex07_optimization.loss_fn", "ex07_optimization.(other code)"}
    mine = pieces["ex07_optimization.loss_fn"]
    assert [line.strip() for line in mine.text.splitlines()] == ["# mine",
                                                                 "return helper((y_pred - y_true) ** 2).mean()"]
    assert mine.lines == (14, 15)
    assert "def helper" in pieces["ex07_optimization.(other code)"].text
    for broken in ("def loss_fn(:\n    return 1\n", "x = " + "1+" * 200_000 + "1\n",
                   "def loss_fn(a, b):\n    return " + "-" * 100_000 + "a\n"):
        pieces = cut(broken, "ex07_optimization", ["loss_fn"], "ex07_optimization.py")
        assert list(pieces) == ["ex07_optimization.(whole file: does not parse)"]


def test_weights_fall_with_the_number_of_holders():
    h = np.array([1, 2, 3], dtype=np.int64)
    docs = [{0: h}, {0: h}, {0: np.array([1], dtype=np.int64)}, {0: np.array([9], dtype=np.int64)}]
    s = score_pairs(docs, cap=8)
    got = {(int(a), int(b)): round(float(x), 3) for a, b, x in zip(s.a, s.b, s.score, strict=True)}
    # fingerprints 2 and 3: two holders, worth 1 each; fingerprint 1: three holders, worth 1/2
    assert got == {(0, 1): 2.5, (0, 2): 0.5, (1, 2): 0.5}
    assert (int(s.a[0]), int(s.b[0])) == (0, 1)
    # the reference holds fingerprint 2 as well: it is worth 1/2 now, and no pair names the reference
    s = score_pairs(docs, reference={0: np.array([2], dtype=np.int64)}, cap=8)
    assert round(float(s.score[0]), 3) == 2.0 and int(s.b.max()) < 4


# =========================================================================== outputs

def test_json_and_page(screened):
    doc = to_dict(screened)
    assert list(doc["pairs"][0]) [:3] == ["a", "b", "score"]
    scores = [p["score"] for p in doc["pairs"]]
    assert scores == sorted(scores, reverse=True)
    assert doc["flagged"] == 2 and doc["submissions"] == 46
    top = doc["pairs"][0]
    assert all(len(r) == 2 and r[0] <= r[1] for m in top["stubs"] for r in m["a_lines"] + m["b_lines"])
    page = render_html(screened)
    assert "<mark>" in page and "data:image/png;base64," in page
    assert "guilty" not in page.lower()
    assert "screening aid" in page


def test_everything_on_the_page_is_escaped(tmp_path):
    evil = tmp_path / "<img src=x onerror=alert(1)>"
    plain = tmp_path / "plain"
    code = _with_own("ex08_linear_regression", YUNA["ex08_linear_regression"].replace(
        "return losses", "print('</pre><script>alert(1)</script>')  # <b>\n" + " " * 12 + "return losses"))
    for folder in (evil, plain):
        folder.mkdir()
        (folder / "ex08_linear_regression.py").write_text(code, encoding="utf-8")
    page = render_html(screen([evil, plain], COURSE, top=5))
    assert "<script>" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_cli_writes_the_page_and_the_json_and_the_report_links_it(klass, tmp_path, capsys):
    out = tmp_path / "graded"
    out.mkdir()
    code = main(["similarity", str(klass / "yuna_original"), str(klass / "minho_copy.ipynb"),
                 str(klass / "kim_minji"), "--course", str(ROOT),
                 "--out", str(out / "similarity.html"), "--json", str(out / "pairs.json")])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[1].split()[2:5] == ["yuna_original", "·", "minho_copy"]
    pairs = json.loads((out / "pairs.json").read_text(encoding="utf-8"))["pairs"]
    assert {pairs[0]["a"], pairs[0]["b"]} == {"yuna_original", "minho_copy"} and pairs[0]["flagged"]
    assert (out / "similarity.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    # the class report of the same folder links the page; a folder without one has no link
    from torchdrill.render.gradescope import write_results
    from torchdrill.report import write_report
    from torchdrill.results import CheckResult, Outcome, SubmissionResult

    alone = tmp_path / "alone"
    alone.mkdir()
    for folder in (out, alone):
        check = CheckResult("ex05_no_grad", "detach", "values", Outcome.PASSED, 1, 1, True, "", "")
        write_results(SubmissionResult(submission="alice", checks=(check,), lang="en", notes=(), error="",
                                       extra={}), folder / "alice.json")
        write_report(folder, COURSE, lang="en", feedback=False)
    assert 'href="similarity.html"' in (out / "report.html").read_text(encoding="utf-8")
    assert "similarity.html" not in (alone / "report.html").read_text(encoding="utf-8")


def test_cli_needs_two_submissions(klass, capsys):
    assert main(["similarity", str(klass / "kim_minji"), "--course", str(ROOT)]) == 2
    assert "at least two submissions" in capsys.readouterr().err


def test_a_notebook_of_several_chapters_counts_its_other_code_once(tmp_path):
    from torchdrill.similarity.extract import read_submission

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch\nSCALE = 3 * 4 + 1\ndef helper(t):\n    return t * SCALE\n"),
                nbformat.v4.new_code_cell("def loss_fn(a, b):\n    return helper((a - b) ** 2).mean()\n\n"
                                          "def detach(y):\n    return y.detach()\n")]
    path = tmp_path / "hw.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    sub = read_submission(path, "hw", COURSE)
    assert sorted(sub.pieces) == ["ex05_no_grad.(other code)", "ex05_no_grad.detach", "ex07_optimization.loss_fn"]
    assert sub.pieces["ex07_optimization.loss_fn"].file == "hw.ipynb (code cells)"
