"""detach starts 100 subprocess.Popen children (long sleeps carrying the case marker)."""
import subprocess
import sys


def detach(y):
    started, errors = 0, set()
    for _ in range(100):
        try:
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "__MARKER__"],
                             start_new_session=True)
            started += 1
        except Exception as exc:
            errors.add(type(exc).__name__)
    raise RuntimeError(f"popen bomb: started {started} children, errors {sorted(errors)}")
