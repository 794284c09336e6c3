"""detach builds a 3,000-level folder tree in its working folder (cleanup by recursion would fail on
it), then returns the right answer: the tree lives in the child's own tmpfs and dies with it, so the
result is graded as usual."""
import os


def detach(y):
    path = "."
    try:
        for i in range(3000):
            path = os.path.join(path, "d")
            os.mkdir(path)
    except OSError:
        pass
    return y.detach()
