"""detach sleeps for 1000 s: no CPU time is used, so a CPU limit alone never fires."""
import time


def detach(y):
    time.sleep(1000)
    return y.detach()
