"""The graders graded: every right variant earns full marks, every wrong one loses its own stub's
points and no other stub's, and its feedback says what was expected and what came back, with no
grader source and no solution text in it, in Korean prose (graded with ``--lang ko``) and, rendered
again from the stored structure, in English.  All variants are graded in one batch through the CLI.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from corpus_support import grader_lines, solution_lines, splice, variants
from language_support import english_prose, hangul

from torchdrill.messages import Feedback, Msg

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]   # one batch grades the whole corpus (minutes)

VARIANTS = variants()


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    subs = []
    for v in VARIANTS:
        d = base / "subs" / v.name
        d.mkdir(parents=True)
        solution = (root / "solutions" / f"{v.chapter}.py").read_text(encoding="utf-8")
        (d / f"{v.chapter}.py").write_text(splice(solution, v.path.read_text(encoding="utf-8"), v.stub))
        subs.append(str(d))
    out = base / "out"
    proc = subprocess.run([sys.executable, "-m", "torchdrill", "grade", *subs, "--out", str(out), "--lang", "ko",
                           "--no-progress"], cwd=root, capture_output=True, text=True, timeout=3000)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {v.name: json.loads((out / f"{v.name}.json").read_text()) for v in VARIANTS}


def test_corpus_size_is_reported_and_sufficient(capsys):
    counts = Counter((v.chapter, v.stub, v.kind) for v in VARIANTS)
    stubs = sorted({(v.chapter, v.stub) for v in VARIANTS})
    with capsys.disabled():
        print(f"\ncorpus: {len(VARIANTS)} variants over {len(stubs)} stubs")
        for ch, stub in stubs:
            print(f"  {ch}.{stub}: {counts[(ch, stub, 'right')]} right, {counts[(ch, stub, 'wrong')]} wrong")
    assert len(stubs) >= 20
    for ch, stub in stubs:
        assert counts[(ch, stub, "wrong")] >= 1, f"{ch}.{stub} has no wrong variant"


#: The kinds of mistake that real learners' code showed (issue 12), each with corpus variants of both
#: sorts: ``stub: (right labels, wrong labels)`` under tests/corpus/<chapter>/<stub>/.
KINDS = {
    "a generator that does not advance": {
        "ex01_tensors.randn": (["normal_mean_std", "default_generator_fallback"],
                               ["rebuilt_from_initial_seed", "reseeds_generator", "restores_state",
                                "global_seed_from_generator", "numpy_rng_from_seed"])},
    "results forced onto the CPU, numpy on tensors (meta inputs)": {
        "ex02_tensor_ops.add": (["torch_add_alpha", "operator"], ["result_to_cpu", "inputs_to_cpu", "numpy_add"]),
        "ex02_tensor_ops.mul": (["multiply_alias"], ["numpy_multiply_as_tensor", "tensor_of_list"]),
        "ex02_tensor_ops.matmul": (["method"], ["cpu_operands", "numpy_matmul"]),
        "ex07_optimization.loss_fn": (["mse_loss_called"], ["cpu_loss", "numpy_mean", "numpy_square_on_tensors"]),
        "ex08_linear_regression.predict": (["no_grad"], ["result_to_cpu"])},
    "finite differences instead of autograd": {
        "ex04_autograd.grad_at": (["func_grad", "functional_jacobian"],
                                  ["central_difference", "central_difference_float64"]),
        "ex04_autograd.grad_of_sum": (["func_grad"], ["central_differences"])},
    "the lecture's integer inputs": {
        "ex04_autograd.grad_at": (["as_tensor_requires_grad", "autograd_grad"], ["int_tensor_requires_grad"]),
        "ex04_autograd.grad_of_sum": (["as_tensor_float"], ["int_tensor_requires_grad"]),
        "ex06_grad_accumulation.accumulated_grads": (["as_tensor_float32", "clone_then_convert"],
                                                     ["int_tensor_requires_grad"]),
        "ex06_grad_accumulation.fresh_grads": (["float_times_one"], ["int_tensor_requires_grad"])},
    "predict that leaves the model in another mode": {
        "ex08_linear_regression.predict": (["eval_restored", "inference_mode"], ["eval_left_on", "train_after"])},
    "the loss module or a numpy float returned": {
        "ex07_optimization.loss_fn": (["mseloss_module"], ["returns_module", "numpy_mean"])},
    "torch.no_grad() or set_grad_enabled(False) as a statement": {
        "ex05_no_grad.eval_no_grad": (["set_grad_enabled_restored"],
                                      ["no_grad_statement", "set_grad_enabled_statement", "enter_never_exit"]),
        "ex07_optimization.train_step": (["reference"], ["no_grad_statement"]),
        "ex08_linear_regression.predict": (["decorated_forward"],
                                           ["no_grad_statement", "set_grad_enabled_statement"])},
    "torch.optim.SGD(w, lr) with a bare tensor": {
        "ex07_optimization.train_step": (["sgd_list"], ["sgd_bare_tensor"]),
        "ex08_linear_regression.fit": (["param_list_positional_lr"], ["sgd_bare_tensor", "sgd_weight_only"])},
    "per-sample or mini-batch updates where one full-batch step is due": {
        "ex07_optimization.train_step": (["per_sample_accumulated"], ["per_sample_updates", "mini_batches"]),
        "ex08_linear_regression.fit": (["reference"], ["per_sample_updates", "mini_batches"])},
    "'cuda:0' chosen in the code": {
        "ex02_tensor_ops.add": (["method_other_order"], ["cuda0_or_cpu"]),
        "ex03_device.to_device": (["copy_to_device"], ["cuda0_when_available"]),
        "ex07_optimization.train": (["reference"], ["cuda0_when_available"]),
        "ex08_linear_regression.fit": (["train_mode_device_of_params"], ["cuda0_when_available"]),
        "ex08_linear_regression.predict": (["eval_restored"], ["model_to_cuda0"])},
}


def test_each_named_kind_has_right_and_wrong_variants():
    have = {(f"{v.chapter}.{v.stub}", v.kind, v.label) for v in VARIANTS}
    missing = [f"{kind}: {stub} {sort}_{label}"
               for kind, stubs in KINDS.items() for stub, (rights, wrongs) in stubs.items()
               for sort, labels in (("right", rights), ("wrong", wrongs)) for label in labels
               if (stub, sort, label) not in have]
    assert not missing, missing


def _by_stub(result: dict, chapter: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for t in result["tests"]:
        qual = t["name"].split(":", 1)[0]
        ch, _, stub = qual.partition(".")
        if ch == chapter:
            out.setdefault(stub, []).append(t)
    return out


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "right"], ids=lambda v: v.name)
def test_right_variant_gets_full_marks(v, graded):
    stubs = _by_stub(graded[v.name], v.chapter)
    lost = {s: [t["name"] + " → " + t["output"][:300] for t in ts if t["score"] < t["max_score"]]
            for s, ts in stubs.items()}
    lost = {s: m for s, m in lost.items() if m}
    assert not lost, f"{v.description}: a right answer lost points: {lost}"


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "wrong"], ids=lambda v: v.name)
def test_wrong_variant_loses_only_its_own_points(v, graded, root):
    stubs = _by_stub(graded[v.name], v.chapter)
    own = stubs[v.stub]
    assert sum(t["score"] for t in own) < sum(t["max_score"] for t in own), \
        f"{v.description}: this wrong answer got full marks for {v.stub}"
    others = {s: [t["name"] for t in ts if t["score"] < t["max_score"]] for s, ts in stubs.items() if s != v.stub}
    assert not {s: n for s, n in others.items() if n}, f"{v.description}: other stubs lost points: {others}"
    failed = [t for t in own if t["status"] == "failed"]
    teaching = [t for t in failed if {"expected", "got"} <= set(t["extra_data"]["feedback"])]
    crashed = [t for t in failed if {"crashed", "timeout"} & set(t["tags"])]
    assert teaching or crashed, f"{v.description}: no failed check says what was expected and what came back"
    solution = (root / "solutions" / f"{v.chapter}.py").read_text(encoding="utf-8")
    grader = (root / "graders" / f"test_{v.chapter}.py").read_text(encoding="utf-8")
    own = {line.strip() for line in v.path.read_text(encoding="utf-8").splitlines()}
    # a crash may quote the student's own line, which may hold a solution line within it
    secret = {line for line in solution_lines(solution) | grader_lines(grader) if not any(line in o for o in own)}
    for t in graded[v.name]["tests"]:
        for line in secret:
            assert line not in t["output"], f"{t['name']} leaks {line!r}"
        assert "graders/" not in t["output"] and "solutions/" not in t["output"]


def _failed_with_structure(result: dict) -> list[tuple[dict, dict]]:
    return [(t, t["extra_data"]) for t in result["tests"] if t["status"] == "failed"]


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "wrong"], ids=lambda v: v.name)
def test_wrong_variant_feedback_is_korean_prose(v, graded):
    """Graded with --lang ko: the title, the outcome label, the summary, what was expected, what came
    back and the hint are Korean; only code, identifiers, numbers and the student's own code lines and
    exception text may stay as they are."""
    for t, extra in _failed_with_structure(graded[v.name]):
        english = english_prose(t["name"].split(":", 1)[1] + "\n" + t["output"], extra["feedback"])
        assert not english, f"{t['name']}: English prose {english} in\n{t['output']}"


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "wrong"], ids=lambda v: v.name)
def test_wrong_variant_feedback_renders_again_in_english(v, graded):
    """The same results read in English from the stored structure: no Korean left."""
    for t, extra in _failed_with_structure(graded[v.name]):
        structure = extra["feedback"]
        text = Msg(extra["title_id"]).render("en") + "\n" + Feedback.from_data(structure).render("en")
        korean = hangul(text, structure)
        assert not korean, f"{t['name']}: Korean {korean} in\n{text}"
