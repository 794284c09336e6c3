"""eval_no_grad forks 100 children; each would exec a long sleep whose command line carries the
case marker, so a survivor can be found after grading."""
import os
import sys


def eval_no_grad(f, x):
    started, errors = 0, set()
    for _ in range(100):
        try:
            pid = os.fork()
        except OSError as exc:
            errors.add(type(exc).__name__)
            continue
        if pid == 0:
            try:
                os.setsid()
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "__MARKER__"])
            finally:
                os._exit(0)
        started += 1
    raise RuntimeError(f"fork bomb: started {started} children, errors {sorted(errors)}")
