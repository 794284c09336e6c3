"""eval_no_grad opens the course's solution and grader files by their real host paths, and
reports any text it could read (prefixed LEAK)."""
import base64

COURSE = base64.b64decode("__COURSE_B64__").decode()


def eval_no_grad(f, x):
    found = []
    for rel in ("solutions/ex05_no_grad.py", "graders/test_ex05_no_grad.py", "tests/test_hostile.py"):
        try:
            with open(COURSE + "/" + rel) as fh:
                found.append("LEAK " + fh.read()[:600])
        except OSError as exc:
            found.append(type(exc).__name__)
    raise RuntimeError(" | ".join(found))
