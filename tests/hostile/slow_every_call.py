"""Both stubs are right but every call first sleeps 4.5 s, just under the per-call wall-clock
limit of the short-limits course (5 s): no single call is stopped, yet the submission as a whole
makes a dozen calls and runs far past the course's per-submission limit (submission_seconds)."""
import time

import torch


def eval_no_grad(f, x):
    time.sleep(4.5)
    with torch.no_grad():
        return f(x)


def detach(y):
    time.sleep(4.5)
    return y.detach()
