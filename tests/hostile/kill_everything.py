"""detach calls os.kill(-1, SIGKILL): "every process I am allowed to signal" (on Linux that is
every process of its uid except itself), then reports that it survived."""
import os
import signal


def detach(y):
    os.kill(-1, signal.SIGKILL)
    raise RuntimeError("still alive after kill(-1)")
