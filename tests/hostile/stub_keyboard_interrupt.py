"""In detach: raise KeyboardInterrupt, as if the grader were interrupted."""


def detach(y):
    raise KeyboardInterrupt
