"""Grading a class on a Dask cluster (``torchdrill grade … --cluster ADDRESS``), with the local
batch's guarantees: the run state in DIR is the durable record, nothing is graded twice or lost.

    bundle.py    the course and each submission as bytes (no shared file system)
    worker.py    the worker plugin holding a warm GradingSession; the task
    client.py    submitting, committing, retrying, Ctrl-C
    progress.py  the progress bar with per-worker throughput

Dask is an optional extra: ``pip install torchdrill[cluster]``.
"""
from __future__ import annotations


def grade_on_cluster(*args, **kwargs) -> int:
    try:
        import distributed  # noqa: F401
    except ImportError:
        from ..errors import UsageError

        raise UsageError("--cluster needs Dask: pip install 'torchdrill[cluster]'") from None
    from .client import grade_on_cluster as run

    return run(*args, **kwargs)
