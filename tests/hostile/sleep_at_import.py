"""At import time: time.sleep(1000).  Every sandboxed call re-imports the module, so every call
of every check runs into the wall-clock limit; the whole submission must still end within the
course's per-submission limit (submission_seconds)."""
import time

time.sleep(1000)
