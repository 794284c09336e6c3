"""In detach: os._exit(0) instead of returning (no exception, no result file)."""
import os


def detach(y):
    os._exit(0)
