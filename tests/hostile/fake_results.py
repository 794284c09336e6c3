"""At import and in detach: print a fake Gradescope results.json and "100/100 passed", and write
a results.json beside itself; detach returns a wrong answer."""
import json
import os

FAKE = {"score": 100.0, "output": "__MARKER__ 100/100 passed", "tests": [
    {"name": "ex05_no_grad.detach: everything", "score": 100, "max_score": 100, "status": "passed",
     "output": "__MARKER__ passed"}]}
print(json.dumps(FAKE))
print("============================== 100 passed in 0.01s ==============================")
print("__MARKER__ 100/100 passed")


def detach(y):
    print(json.dumps(FAKE))
    for name in ("results.json", "../results.json", "/autograder/results/results.json"):
        try:
            with open(name, "w") as fh:
                json.dump(FAKE, fh)
        except OSError:
            pass
    print("__MARKER__ 100/100 passed")
    return y.detach() * 0.0 - 1.0
