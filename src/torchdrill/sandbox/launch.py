"""Starting a zygote's process, apart from configuring it.

The zygote imports torch before it reads its configuration, so the process can be started the
moment a command knows it will need one — before the course is loaded or the graders collected —
and configured later by :meth:`torchdrill.sandbox.client.Sandbox.start`, which adopts it.  This
module imports nothing heavy, so ``torchdrill check`` can start the zygote within a few
milliseconds of its own start: the two ``import torch`` run side by side.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: what the zygote inherits of the environment (nothing else: no secret reaches it by accident)
ENV_KEYS = ("PATH", "LANG", "LC_ALL", "HOME", "CUDA_VISIBLE_DEVICES", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class Launched:
    """A zygote process that is importing torch, its folder and our end of its socket."""

    base: Path
    proc: subprocess.Popen[bytes]
    sock: socket.socket

    def close(self) -> None:
        """For a launch nobody adopted: closing the socket ends it (it reads EOF), then its folder goes."""
        from ..fsutil import remove_tree
        from ..procutil import kill_group

        self.sock.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        kill_group(self.proc)
        remove_tree(self.base)


def new_base() -> Path:
    """The sandbox's folder: ``work/`` (staged submissions, scratch) and ``jail/`` (the child's root)."""
    base = Path(tempfile.mkdtemp(prefix="torchdrill-"))
    os.chmod(base, 0o711)
    (base / "work").mkdir(mode=0o711)
    os.chmod(base / "work", 0o711)
    (base / "jail").mkdir(mode=0o700)
    return base


def launch(base: Path | None = None) -> Launched:
    """Start ``python -I -m torchdrill.sandbox.zygote FD`` in ``base`` (a new folder by default)."""
    base = base or new_base()
    env = {k: v for k, v in os.environ.items() if k in ENV_KEYS}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "torchdrill.sandbox.zygote", str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env, cwd=str(base), pass_fds=[theirs.fileno()], start_new_session=True,
        )
    except BaseException:
        mine.close()
        raise
    finally:
        theirs.close()
    return Launched(base, proc, mine)
