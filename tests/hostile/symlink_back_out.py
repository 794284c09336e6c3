"""detach replaces the files its call folder hands back to the trusted side (output.txt, the
captured prints, and result.pt, the result record) with symbolic links to the course's solution
and grader, then exits: the trusted side, which reads these files as root outside the jail, must
not follow them."""
import base64
import os

COURSE = base64.b64decode("__COURSE_B64__").decode()


def detach(y):
    for name, target in (("output.txt", "/solutions/ex05_no_grad.py"), ("result.pt", "/graders/test_ex05_no_grad.py")):
        try:
            os.remove(name)
        except OSError:
            pass
        os.symlink(COURSE + target, name)
    os._exit(0)
