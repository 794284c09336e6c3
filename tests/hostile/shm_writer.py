"""At import time: leave a note in /dev/shm (world-readable) for whichever submission is graded
next in the same run.  Both stubs are otherwise the reference ones."""
import os

try:
    os.umask(0)
    with open("/dev/shm/td-note-__MARKER__", "w") as _fh:
        _fh.write("NOTE FROM ANOTHER SUBMISSION: __MARKER__")
    os.chmod("/dev/shm/td-note-__MARKER__", 0o666)
except OSError:
    pass
