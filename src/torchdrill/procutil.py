"""Ending a child process that leads its own process group (``start_new_session=True``)."""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Any


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the child's whole process group (whatever it started too), then reap the child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass                    # already gone, or the group is no longer ours to signal
    proc.wait()
