"""Tasks for tests/test_cluster.py that `dask worker` processes import (their PYTHONPATH names tests/)."""
from __future__ import annotations

import os
import signal


class DiesWhenSent:
    """A task's result whose pickling kills the worker holding it: it dies as the result is fetched."""

    def __reduce__(self):
        os.kill(os.getpid(), signal.SIGKILL)


def dies_when_fetched_then_fails(marker: str):
    """First call: a result that kills its worker when fetched; every later call fails."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        raise ValueError("the second try fails") from None
    return DiesWhenSent()
