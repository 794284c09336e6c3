"""detach double-forks a daemon (setsid, exec of a long sleep carrying the marker) and returns
a wrong answer; the daemon is meant to outlive grading."""
import os
import sys


def detach(y):
    try:
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "__MARKER__"])
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    except OSError:
        pass
    return y.detach().clone() + 1.0
