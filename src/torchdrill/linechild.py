"""The kernel's side of a JSON-lines child process: one request per line in, one reply per line out.

A notebook's cells (``nbgrader/cell.py``: autograder-test cells; ``notebook_check.py``: the
students' check cells) never grade in the kernel: they hand the code to a separate interpreter,
``python -I -m MODULE --serve``, started with a clean environment (only the variables named) by
the first cell that needs it and kept warm for the kernel's later ones.  It lives in its own
session, so an interrupt sent to the kernel does not reach it; it ends when the kernel closes the
pipe (kernel exit included), or is killed when a request runs past the time given.

Standard library only: this is imported inside student kernels.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from typing import IO, Any

from .procutil import kill_group


class LineChild:
    """One child process answering JSON requests, started on the first :meth:`ask`."""

    def __init__(self, module: str, env_kept: tuple[str, ...], seconds: float) -> None:
        self.module, self.env_kept, self.seconds = module, env_kept, seconds
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        env = {k: os.environ[k] for k in self.env_kept if k in os.environ}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return subprocess.Popen([sys.executable, "-I", "-m", self.module, "--serve"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, cwd="/", text=True, encoding="utf-8", bufsize=1, start_new_session=True)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """The child's reply to ``request``; raises (and kills the child) when it does not answer
        within the time given or has stopped."""
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self.proc = self._start()
        stdin, stdout = _pipes(self.proc)
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
            ready, _, _ = select.select([stdout], [], [], self.seconds)
            line = stdout.readline() if ready else ""
        except (OSError, ValueError, KeyboardInterrupt):
            self.stop()
            raise
        if not line:
            self.stop()
            raise TimeoutError(f"no answer from the grading process within {self.seconds:g} s" if not ready
                               else "the grading process stopped")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def stop(self) -> None:
        """Kill the child (its whole session) and forget it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        kill_group(proc)
        for pipe in (proc.stdin, proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass

    def close(self) -> None:
        """Let the child close its sandbox and exit (the kernel is going away)."""
        proc = self.proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.stop()


def _pipes(proc: subprocess.Popen[str]) -> tuple[IO[str], IO[str]]:
    assert proc.stdin is not None and proc.stdout is not None      # started with PIPE for both
    return proc.stdin, proc.stdout
