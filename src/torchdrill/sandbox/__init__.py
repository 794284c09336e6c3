"""Running untrusted student code: a trusted zygote forks confined children that serve calls.

The names below are loaded on first use, so that importing a light submodule
(``torchdrill.sandbox.launch``) does not import the client.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import CallResult, Sandbox, SandboxLimits, SandboxUnavailable
    from .kit import make, probe

__all__ = ["CallResult", "Sandbox", "SandboxLimits", "SandboxUnavailable", "make", "probe"]

_WHERE = {"CallResult": "client", "Sandbox": "client", "SandboxLimits": "client", "SandboxUnavailable": "client",
          "make": "kit", "probe": "kit"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
