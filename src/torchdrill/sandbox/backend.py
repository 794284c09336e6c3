"""Which sandbox runs student code here: the full Linux one, or the portable one.

``--sandbox auto|full|portable`` (``torchdrill check``, ``torchdrill grade``):

* ``full`` — :class:`torchdrill.sandbox.client.Sandbox`: a zygote that forks confined children
  (namespaces, jail, cgroups, rlimits, uid drop).  Needs Linux, ``fork``, ``SCM_RIGHTS`` over a
  ``SOCK_SEQPACKET`` socket, ``resource`` and ``/proc``.
* ``portable`` — :class:`torchdrill.sandbox.portable.PortableSandbox`: unconfined worker
  processes with limits enforced from outside.  Runs wherever Python and torch do.
* ``auto`` — ``full`` where it can run, else ``portable``.

The choice may also come from the environment (``TORCHDRILL_SANDBOX``), which is how a batch's
worker processes inherit the one their command line made.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import sys
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .client import Sandbox

KINDS = ("auto", "full", "portable")
ENV = "TORCHDRILL_SANDBOX"


def full_available() -> tuple[bool, str]:
    """Can the full sandbox run here? (and if not, why not, in a few words)"""
    if not sys.platform.startswith("linux"):
        return False, f"the full sandbox needs Linux (this is {sys.platform})"
    missing = [name for name, ok in (
        ("os.fork", hasattr(os, "fork")),
        ("socket.send_fds", hasattr(socket, "send_fds") and hasattr(socket, "recv_fds")),
        ("socket.SOCK_SEQPACKET", hasattr(socket, "SOCK_SEQPACKET")),
        ("resource", importlib.util.find_spec("resource") is not None),
        ("/proc", os.path.isdir("/proc/self")),
    ) if not ok]
    if missing:
        return False, "the full sandbox needs " + ", ".join(missing)
    return True, ""


def resolve(kind: str | None = None) -> str:
    """``full`` or ``portable`` for a requested kind (None: the environment's, else ``auto``)."""
    kind = kind or os.environ.get(ENV) or "auto"
    if kind not in KINDS:
        raise ValueError(f"unknown sandbox kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "auto":
        return "full" if full_available()[0] else "portable"
    return kind


def sandbox_class(kind: str) -> type[Sandbox]:
    """The class for a resolved kind (imported only when chosen).  Callers type what it builds as a
    :class:`~torchdrill.sandbox.client.Sandbox`: the portable one has the same public interface (it
    is not a subclass)."""
    if kind == "portable":
        from .portable import PortableSandbox

        return cast("type[Sandbox]", PortableSandbox)
    from .client import Sandbox

    return Sandbox
