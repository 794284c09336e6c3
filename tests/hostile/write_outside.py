"""eval_no_grad tries to create or change files outside its scratch space: in its submission
folder, the course folder, /root, /tmp, a host folder outside the sandbox, the parent of its
working directory, its own staged chapter file, and under its module's folder; it reports the
paths it managed to write (private /tmp and the call folder are its scratch)."""
import base64
import os

MARK = "__MARKER__"
COURSE = base64.b64decode("__COURSE_B64__").decode()
TARGETS = [
    "__SUBMISSION__/" + MARK,
    "__SUBMISSION__/ex05_no_grad.py",
    "__AREA__/" + MARK,
    "__AREA__/victim.txt",
    COURSE + "/" + MARK,
    COURSE + "/solutions/ex05_no_grad.py",
    COURSE + "/graders/test_ex05_no_grad.py",
    COURSE + "/course.yml",
    "/root/" + MARK,
    "/tmp/" + MARK,
    "../" + MARK,
    "../../" + MARK,
    "/" + MARK,
    "/etc/" + MARK,
    "/dev/shm/" + MARK,
    os.path.dirname(os.path.abspath(__file__)) + "/" + MARK,
    os.path.abspath(__file__),
]


def eval_no_grad(f, x):
    wrote = []
    for path in TARGETS:
        try:
            mode = "a" if os.path.exists(path) else "w"
            with open(path, mode) as fh:
                fh.write(MARK + "\n")
            wrote.append(os.path.abspath(path))
        except OSError:
            pass
        try:
            os.utime(path, (0, 0))
        except OSError:
            pass
    for i in range(1, 400):     # other submissions' staged files, and this one's
        for path in (f"/sandbox/sub-{i}/ex05_no_grad.py", f"/sandbox/sub-{i}/{MARK}"):
            try:
                with open(path, "a") as fh:
                    fh.write(MARK + "\n")
                wrote.append(path)
            except OSError:
                pass
    raise RuntimeError("WROTE " + repr(sorted(wrote)))
