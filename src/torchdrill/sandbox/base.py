"""What both sandboxes share: a scratch folder, a context manager, sessions by scope.

:class:`torchdrill.sandbox.portable.PortableSandbox` is built on it; the full sandbox's
:class:`torchdrill.sandbox.client.Sandbox` has the same members (its ``__enter__``, ``__exit__``,
``work`` and ``session_for`` are these).  Plain ``pathlib`` only: it imports on every platform.
"""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

_S = TypeVar("_S", bound="SandboxBase")


class SandboxBase:
    """A sandbox's lifecycle around its scratch folder ``base`` (``None`` until started or once
    closed).  Subclasses start and close it; use as a context manager."""

    base: Path | None
    #: what one child serves: "chapter" (each chapter file of a submission its own child) or
    #: "submission" (one child for all of it; what a GradingSession asks for: one fork and at
    #: most one CUDA context per submission)
    session_scope: str

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def work(self) -> Path:
        """Where submissions are staged (``stage_dir``), under the scratch folder."""
        assert self.base is not None
        return self.base / "work"

    def session_for(self, module: Path) -> str:
        """Which child serves calls into ``module`` (a staged chapter file), by ``session_scope``."""
        return str(module.parent if self.session_scope == "submission" else module)
