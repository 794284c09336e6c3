"""detach stops itself with SIGSTOP: it neither runs nor exits, so only a wall-clock deadline
can end it."""
import os
import signal


def detach(y):
    os.kill(os.getpid(), signal.SIGSTOP)
    return y.detach()
