"""eval_no_grad ignores SIGALRM, SIGXCPU and SIGTERM and spins forever (what in-process timeouts
rely on is switched off; only an outside kill can end it)."""
import signal


def eval_no_grad(f, x):
    for sig in (signal.SIGALRM, signal.SIGXCPU, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    n = 0
    while True:
        n += 1
