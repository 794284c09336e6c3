"""errors.py: the exception tree, exit codes, and the "did you mean" messages instructors read."""
from __future__ import annotations

import pytest

from torchdrill.errors import (
    CourseError,
    GraderError,
    SandboxError,
    TorchdrillError,
    UnknownNameError,
    UsageError,
    closest,
)

CHAPTERS = [
    "ex01_tensors",
    "ex02_tensor_ops",
    "ex03_device",
    "ex04_autograd",
    "ex05_no_grad",
    "ex06_grad_accumulation",
    "ex07_optimization",
    "ex08_linear_regression",
]


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (TorchdrillError, 2),
        (UsageError, 2),
        (UnknownNameError, 2),
        (CourseError, 3),
        (SandboxError, 5),
        (GraderError, 6),
    ],
)
def test_exit_codes(cls: type[TorchdrillError], code: int) -> None:
    assert cls.exit_code == code
    assert issubclass(cls, TorchdrillError)


def test_message_is_str_and_attribute() -> None:
    exc = CourseError("course.yml: language: must be 'ko' or 'en', got 'fr'")
    assert str(exc) == exc.message == "course.yml: language: must be 'ko' or 'en', got 'fr'"
    assert exc.exit_code == 3
    assert isinstance(exc, Exception)


def test_one_tree() -> None:
    assert issubclass(UnknownNameError, UsageError)
    for cls in (UsageError, CourseError, SandboxError, GraderError):
        assert cls.__bases__ == (TorchdrillError,)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ex7", "ex07_optimization"),             # prefix once zeros are folded
        ("ex07", "ex07_optimization"),
        ("ex7_optimization", "ex07_optimization"),  # equal once folded
        ("EX07_OPTIMIZATION", "ex07_optimization"),
        ("ex07_optimisation", "ex07_optimization"),  # typo: difflib
        ("optim", "ex07_optimization"),           # the only one containing it
        ("tensor_ops", "ex02_tensor_ops"),
        ("ex1", "ex01_tensors"),
        ("ex10", None),                                              # not ex01: only leading zeros fold
        ("ex9", None),
        ("ex", None),                                                # fits every chapter: suggest none
        ("zzz", None),
    ],
)
def test_closest(name: str, expected: str | None) -> None:
    assert closest(name, CHAPTERS) == expected


def test_closest_plain_typos_and_empty_choices() -> None:
    assert closest("trian", ["loss_fn", "train_step", "train"]) == "train"
    assert closest("cpu_secs", ["call_seconds", "cpu_seconds", "memory_mb"]) == "cpu_seconds"
    assert closest("anything", []) is None
    assert closest("ex7", iter(CHAPTERS)) == "ex07_optimization"  # any iterable
    assert closest("ex9", CHAPTERS) is None


def test_unknown_name_with_suggestion() -> None:
    exc = UnknownNameError("chapter", "ex7", CHAPTERS)
    assert str(exc) == "unknown chapter 'ex7': did you mean 'ex07_optimization'?"
    assert exc.exit_code == 2
    assert (exc.kind, exc.name, exc.suggestion) == ("chapter", "ex7", "ex07_optimization")
    assert exc.choices == tuple(CHAPTERS)


def test_unknown_name_lists_known_names_when_nothing_is_close() -> None:
    exc = UnknownNameError("chapter", "ex9", ["ex01_tensors", "ex02_tensor_ops", "ex03_device"])
    assert str(exc) == "unknown chapter 'ex9': known chapters: ex01_tensors, ex02_tensor_ops, ex03_device"
    assert exc.suggestion is None


def test_unknown_name_explicit_suggestion_and_none() -> None:
    exc = UnknownNameError("chapter", "train", CHAPTERS[:2], suggestion="ex07_optimization.train")
    assert str(exc) == "unknown chapter 'train': did you mean 'ex07_optimization.train'?"
    exc = UnknownNameError("stub", "ex07_optimization.xyz", ["ex07_optimization.train"], suggestion=None)
    assert str(exc) == "unknown stub 'ex07_optimization.xyz': known stubs: ex07_optimization.train"


def test_unknown_name_without_choices() -> None:
    assert str(UnknownNameError("chapter", "ex01", [])) == "unknown chapter 'ex01': there are no chapters"


def test_no_torch_import() -> None:
    import ast
    import inspect

    import torchdrill.errors as module

    tree = ast.parse(inspect.getsource(module))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert "torch" not in imported


def test_unknown_name_reads_in_each_language() -> None:
    exc = UnknownNameError("chapter", "ex7", CHAPTERS)
    assert exc.render("ko") == "알 수 없는 장 이름입니다: 'ex7'. 혹시 'ex07_optimization'인가요?"
    assert exc.render("en") == str(exc) == "unknown chapter 'ex7': did you mean 'ex07_optimization'?"
    listed = UnknownNameError("stub", "ex07_optimization.xyz", ["ex07_optimization.train"], suggestion=None)
    assert listed.render("ko") == ("알 수 없는 스텁 이름입니다: 'ex07_optimization.xyz'. "
                                   "있는 스텁: ex07_optimization.train")
    assert UsageError("plain text").render("ko") == "plain text"        # text given as text stays as it is


def test_cli_tells_an_error_in_the_language_asked_for(capsys) -> None:
    from pathlib import Path

    from torchdrill.cli import main

    root = str(Path(__file__).resolve().parents[1])
    assert main(["check", "ex9", "--course", root, "--lang", "ko"]) == 2
    assert "알 수 없는 장 이름입니다: 'ex9'" in capsys.readouterr().err
    assert main(["check", "ex9", "--course", root, "--lang", "en"]) == 2
    assert "unknown chapter 'ex9': known chapters: ex01_tensors" in capsys.readouterr().err
