#!/usr/bin/env python3
"""Make a realistic class of submissions, deterministically, to look at reports with.

Every student starts from the reference solutions; per stub they either got it right, made one
of the plausible mistakes below (the ones the course contract lists), or left it as the stub.
Weaker students stop before the end (their later chapter files are missing).  A few special
students hit the limits: an endless loop, a memory bomb, a syntax error, a broken notebook.

    .venv/bin/python scripts/make_class.py OUT_DIR [--students 36] [--seed 7]
    .venv/bin/torchdrill grade OUT_DIR/* --out out/class --lang en
    .venv/bin/torchdrill report out/class --lang en

The same seed always gives the same files.
"""
from __future__ import annotations

import argparse
import random
import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHAPTERS = ["ex01_tensors", "ex02_tensor_ops", "ex03_device", "ex04_autograd", "ex05_no_grad",
            "ex06_grad_accumulation", "ex07_optimization", "ex08_linear_regression"]

# stub -> plausible wrong versions (each a whole function, appended after the reference: the last
# definition wins, as when a student edits the stub)
WRONG: dict[str, dict[str, list[str]]] = {
    "ex01_tensors": {
        "make_tensor": ["def make_tensor(data):\n    return torch.Tensor(data)            # always float32\n",
                        "def make_tensor(data):\n    return torch.tensor(data, dtype=torch.float64)\n"],
        "from_numpy": ["def from_numpy(arr):\n    return torch.tensor(arr)             # a copy\n",
                       "def from_numpy(arr):\n    return torch.from_numpy(arr).float()  # a copy, float32\n"],
        "to_numpy": ["def to_numpy(t):\n    return np.array(t.detach())         # a copy\n",
                     "def to_numpy(t):\n    return t.numpy()                    # fails when t requires grad\n"],
        "zeros": ["def zeros(*shape):\n    return torch.zeros(*shape, dtype=torch.float64)\n"],
        "ones": ["def ones(*shape):\n    return torch.ones(*shape, dtype=torch.int64)\n"],
        "randn": ["def randn(*shape, generator=None):\n    return torch.rand(*shape, generator=generator)\n",
                  "def randn(*shape, generator=None):\n"
                  "    return torch.randn(*shape)            # ignores the generator\n"],
    },
    "ex02_tensor_ops": {
        "add": ["def add(a, b):\n    return a.float() + b.float()\n"],
        "mul": ["def mul(a, b):\n    return a @ b                          # matrix product\n"],
        "matmul": ["def matmul(a, b):\n    return a * b\n",
                   "def matmul(a, b):\n    return torch.mm(a, b)          # no batches\n"],
        "flatten_row": ["def flatten_row(t):\n    return t.reshape(1, -1).clone()\n",
                        "def flatten_row(t):\n    return t.flatten().unsqueeze(0).contiguous().clone()\n"],
        "to_column": ["def to_column(t):\n    return t.view(-1, 1)                 # fails on non-contiguous t\n",
                      "def to_column(t):\n    return t.T.reshape(-1, 1)\n"],
        "squeeze_all": ["def squeeze_all(t):\n    return t.squeeze(0)\n",
                        "def squeeze_all(t):\n    return t.squeeze().clone()\n"],
    },
    "ex03_device": {
        "pick_device": ["def pick_device():\n    return torch.device('cuda')\n",
                        "def pick_device():\n"
                        "    return torch.device('cuda' if torch.cuda.is_available() else 'mps:0')\n"],
        "to_device": ["def to_device(t, device):\n    t.data = t.data.to(device)\n    return t\n",
                      "def to_device(t, device):\n    return t.cpu()\n"],
    },
    "ex04_autograd": {
        "grad_at": ["def grad_at(f, x):\n    xt = torch.tensor(x, requires_grad=True)\n    f(xt).backward()\n"
                    "    return xt.grad.item()                 # a float, not a tensor\n",
                    "def grad_at(f, x):\n    h = 1e-3\n"
                    "    return torch.tensor((f(torch.tensor(x + h)) - f(torch.tensor(x - h))) / (2 * h))\n"],
        "grad_of_sum": ["def grad_of_sum(f, xs):\n    xt = torch.tensor(xs, requires_grad=True)\n"
                        "    f(xt).mean().backward()\n    return xt.grad\n"],
        "vjp": ["def vjp(f, x, v):\n    x.requires_grad_(True)\n"
                "    return torch.autograd.grad(outputs=f(x), inputs=x, grad_outputs=v)\n",
                "def vjp(f, x, v):\n    xt = x.detach().requires_grad_(True)\n    f(xt).sum().backward()\n"
                "    return xt.grad\n"],
    },
    "ex05_no_grad": {
        "eval_no_grad": ["def eval_no_grad(f, x):\n    return f(x).detach()\n",
                         "def eval_no_grad(f, x):\n    return f(x.detach())\n",
                         "def eval_no_grad(f, x):\n    x.requires_grad_(False)\n    return f(x)\n"],
        "detach": ["def detach(y):\n    return y.detach().clone()\n",
                   "def detach(y):\n    return y.clone()\n",
                   "def detach(y):\n    return torch.tensor(y.tolist())\n"],
    },
    "ex06_grad_accumulation": {
        "accumulated_grads": ["def accumulated_grads(f, x0, steps):\n"
                              "    x = torch.tensor(float(x0), requires_grad=True)\n"
                              "    out = []\n    for _ in range(steps):\n        f(x).backward()\n"
                              "        out.append(x.grad.item())\n        x.grad.zero_()\n    return out\n"],
        "fresh_grads": ["def fresh_grads(f, x0, steps):\n    x = torch.tensor(float(x0), requires_grad=True)\n"
                        "    out = []\n    for _ in range(steps):\n        f(x).backward()\n"
                        "        out.append(x.grad.item())\n    return out\n",
                        "def fresh_grads(f, x0, steps):\n    x = torch.tensor(float(x0), requires_grad=True)\n"
                        "    out = []\n    for _ in range(steps):\n        f(x).backward()\n"
                        "        x.grad.zero_()\n        out.append(x.grad.item())\n    return out\n"],
    },
    "ex07_optimization": {
        "loss_fn": ["def loss_fn(y_pred, y_true):\n    return ((y_pred - y_true) ** 2).sum()\n",
                    "def loss_fn(y_pred, y_true):\n    return torch.tensor(((y_pred - y_true) ** 2).mean().item())\n"],
        "train_step": ["def train_step(w, x, y_true, lr):\n    loss = loss_fn(w * x, y_true)\n    loss.backward()\n"
                       "    with torch.no_grad():\n        w -= lr * w.grad\n    return loss.item()\n",
                       "def train_step(w, x, y_true, lr):\n    loss = loss_fn(w * x, y_true)\n    loss.backward()\n"
                       "    w.data = w.data - lr * w.grad\n    w.grad.zero_()\n    return loss.item()\n"],
        "train": ["def train(x, y_true, lr=0.01, epochs=100, w0=1.0):\n"
                  "    w = torch.tensor(w0, device=x.device, requires_grad=True)\n"
                  "    for _ in range(100):\n        train_step(w, x, y_true, 0.01)\n    return w\n",
                  "def train(x, y_true, lr=0.01, epochs=100, w0=1.0):\n"
                  "    return torch.tensor(2.0, requires_grad=True)\n"],
    },
    "ex08_linear_regression": {
        "make_model": ["def make_model(in_features=1, out_features=1):\n"
                       "    return torch.nn.Linear(in_features, out_features, bias=False)\n"],
        "fit": ["def fit(model, x, y, lr=0.1, epochs=200):\n    opt = torch.optim.SGD(model.parameters(), lr=lr)\n"
                "    losses = []\n    for _ in range(epochs):\n        loss = torch.nn.MSELoss()(model(x), y)\n"
                "        loss.backward()\n        opt.step()\n        losses.append(loss.item())\n    return losses\n"],
        "predict": ["def predict(model, x):\n    return model(x)\n",
                    "def predict(model, x):\n    return model(x).detach().numpy()\n"],
    },
}

NAMES = ["kim_minji", "lee_junho", "park_seoyeon", "choi_hyunwoo", "jung_jiwoo", "kang_dohyun", "cho_yuna",
         "yoon_seojun", "jang_haeun", "lim_jiho", "han_soyeon", "oh_taeyang", "seo_eunji", "shin_woojin",
         "kwon_nayeon", "hwang_minseok", "ahn_chaewon", "song_jihoon", "yoo_dahyun", "hong_sungmin",
         "alex_morgan", "priya_shah", "tom_becker", "maria_garcia", "chen_wei", "sara_lind", "omar_haddad",
         "lucas_silva", "emma_wilson", "noah_kim", "ivy_zhang", "ben_carter", "mia_rossi", "leo_martin",
         "zoe_dubois", "sam_okafor", "nina_petrova", "raj_patel", "ella_novak", "finn_berg"]

STUB = "def {name}(*args, **kwargs):\n    raise NotImplementedError\n"


def chapter_file(chapter: str, choices: dict[str, str], rng: random.Random) -> str:
    """The reference module with the student's versions appended: right, a mistake, or a stub."""
    text = (ROOT / "solutions" / f"{chapter}.py").read_text(encoding="utf-8")
    extra = []
    for stub, how in choices.items():
        if how == "stub":
            extra.append(STUB.format(name=stub))
        elif how == "wrong":
            extra.append(rng.choice(WRONG[chapter][stub]))
    if extra:
        text += "\n\n# ---- the student's own versions\nimport numpy as np\nimport torch\n\n\n" + "\n\n".join(extra)
    return text


def make_class(out: Path, students: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    made = []
    for i in range(students):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f"_{i // len(NAMES) + 1}")
        skill = rng.betavariate(4.0, 1.6)                 # most students do well, a tail struggles
        stops = len(CHAPTERS) if rng.random() < 0.6 + 0.4 * skill else rng.randint(3, len(CHAPTERS) - 1)
        folder = out / name
        folder.mkdir()
        for k, chapter in enumerate(CHAPTERS):
            if k >= stops:
                break
            choices = {}
            for stub in WRONG[chapter]:
                r = rng.random()
                hard = 0.1 * (k / len(CHAPTERS))          # later chapters are a little harder
                choices[stub] = ("right" if r < skill - hard else "wrong" if r < skill - hard + (1 - skill) * 0.7
                                 else "stub")
            (folder / f"{chapter}.py").write_text(chapter_file(chapter, choices, rng), encoding="utf-8")
        made.append(folder)
    made += special_students(out)
    return made


def special_students(out: Path) -> list[Path]:
    """Students who hit the limits or hand in something that cannot be read."""
    made = []

    def student(name: str, files: dict[str, str]) -> None:
        folder = out / name
        folder.mkdir()
        for chapter in CHAPTERS[:5]:
            shutil.copy(ROOT / "solutions" / f"{chapter}.py", folder / f"{chapter}.py")
        for fname, text in files.items():
            (folder / fname).write_text(text, encoding="utf-8")
        made.append(folder)

    ref = (ROOT / "solutions" / "ex07_optimization.py").read_text(encoding="utf-8")
    student("zz_endless_loop", {"ex07_optimization.py": ref + textwrap.dedent("""

        def loss_fn(y_pred, y_true):
            total = 0.0
            while True:                     # forgot to advance the loop
                total += ((y_pred - y_true) ** 2).mean()
        """)})
    solution = (ROOT / "solutions" / "ex01_tensors.py").read_text()
    student("zz_memory_bomb", {"ex01_tensors.py": solution + textwrap.dedent("""

        def zeros(*shape):
            big = torch.zeros(4096, 4096, 4096)   # 256 GiB "just to be safe"
            return big[tuple(slice(0, n) for n in shape)]
        """)})
    student("zz_syntax_error", {"ex02_tensor_ops.py": "import torch\n\ndef add(a, b)\n    return a + b\n"})
    student("zz_broken_notebook", {"ex03_device.ipynb": '{"cells": [ {"cell_type": "code", "source": "import torch"'})
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--students", type=int, default=36)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    made = make_class(args.out, args.students, args.seed)
    print(f"{len(made)} submissions in {args.out}")


if __name__ == "__main__":
    main()
