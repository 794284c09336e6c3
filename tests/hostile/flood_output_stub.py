"""detach prints 200 MB before returning the right answer."""
import sys


def detach(y):
    line = "__MARKER__ " + "x" * 1000 + "\n"
    for _ in range(200_000):
        sys.stdout.write(line)
    sys.stdout.flush()
    return y.detach()
