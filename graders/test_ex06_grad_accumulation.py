"""Graders for ex06_grad_accumulation: backward() adds to .grad; resetting it.

The visible checks are the lecture's example (f = x², x0 = 2, three passes), against the lists the
course contract gives for it ([4, 8, 12] and [4, 4, 4]), so students can run them without the
solutions. Hidden ones use other functions, starting points and numbers of passes, so a list
hard-coded for the example fails; their expected lists come from the reference solution run in the
trusted process on the same function.
When a wrong list is exactly what the *other* stub should return (accumulated instead of fresh,
or the reverse), or all zeros, the hint says so.
"""
import math

from torchdrill.grading import N_, check, checks, function, make, msg

# (function name, its parameters, x0, steps): none of them is the lecture's example.
UNSEEN = [
    ("sin_sq", {"a": 0.7}, 1.3, 4),
    ("cube_chain", {"a": -1.5, "b": 0.5}, -0.4, 3),
    ("exp_mix", {"a": 0.3, "b": -1.0}, 0.25, 5),
    ("poly", {"coeffs": [0.5, -1.0, 0.75]}, -3, 4),          # an integer x0, as the lecture writes them
]
LENGTHS = [
    ("tanh_scale", {"a": 2.0}, -0.75, 1),
    ("poly", {"coeffs": [1.0, -2.0, 0.5, 0.25]}, 1.5, 7),
]


def _hint(got, stub, accumulated, fresh):
    """A hint that names the mistake when the list is recognisably another one."""
    if type(got) is not list or len(got) != len(fresh) or not all(type(v) is float for v in got):
        if type(got) is list and any(type(v).__name__ == "Tensor" for v in got):
            return N_("put x.grad.item() (a float) into the list, not the tensor x.grad: the same .grad tensor "
                      "appended several times would show its last value everywhere")
        if type(got) is list and len(got) != len(fresh):
            return N_("read x.grad once right after every backward(): steps passes give steps values")
        return ""

    def same(a, b):
        return all(math.isclose(u, v, rel_tol=1e-5, abs_tol=1e-6) for u, v in zip(a, b, strict=True))

    if stub == "accumulated_grads" and len(got) > 1 and same(got, fresh):
        return N_("every pass read the same value, so the gradient was reset (or x rebuilt) between passes; "
                  "here backward() must add to the old x.grad: build x once and never reset it")
    if stub == "fresh_grads" and len(got) > 1 and same(got, accumulated):
        return N_("the gradients piled up: reset x.grad (x.grad = None, or x.grad.zero_()) before every backward()")
    if all(v == 0.0 for v in got) and any(v != 0.0 for v in fresh):
        return N_("every value is 0: the gradient was reset between backward() and reading it; "
                  "read x.grad right after backward(), and reset before the next backward()")
    return ""


#: what a crash is told: the whole recipe, including what an integer x0 (the lecture's x0 = 2) needs
CRASH_HINTS = {
    "accumulated_grads": N_("build x once from x0 as a float32 tensor that requires grad (x0 may be an int, as in the "
                            "lecture's x0 = 2, and an integer tensor cannot require grad: ask for "
                            "dtype=torch.float32); then, steps times, compute f(x), call backward() and append "
                            "x.grad.item()"),
    "fresh_grads": N_("build x once from x0 as a float32 tensor that requires grad (x0 may be an int, as in the "
                      "lecture's x0 = 2, and an integer tensor cannot require grad: ask for dtype=torch.float32); "
                      "then, steps times, reset x.grad (it is None before the first pass), compute f(x), call "
                      "backward() and append x.grad.item()"),
}


def _grade(student, stub, name, params, x0, steps, accumulated, fresh):
    """``stub`` on the kit function ``name``, against the lists both stubs should give."""
    expected = accumulated if stub == "accumulated_grads" else fresh
    r = student.call(stub, make("fn", name, **params), x0, steps, expected=msg("list of {n} floats", n=steps),
                     hint=CRASH_HINTS[stub])
    what = msg("{stub}(f, x0={x0}, steps={steps})", stub=stub, x0=x0, steps=steps)
    checks.expect_floats(r.value, expected, what=what,
                         hint=_hint(r.value, stub, accumulated, fresh))


def _grade_unseen(student, reference, stub, name, params, x0, steps):
    f = function(name, **params)
    _grade(student, stub, name, params, x0, steps, reference.accumulated_grads(f, x0, steps),
           reference.fresh_grads(f, x0, steps))


# The lecture's example (course contract and the docstrings): f = x², x0 = 2 (the integer, as written), three
# passes. df/dx = 2x = 4, exact in float32: it piles up to [4, 8, 12] without a reset, and stays [4, 4, 4] with one.
EXAMPLE_ACCUMULATED = [4.0, 8.0, 12.0]
EXAMPLE_FRESH = [4.0, 4.0, 4.0]


# ---------------------------------------------------------------------------- accumulated_grads

@check("accumulated_grads", "the lecture's example: f = x², x0 = 2, 3 passes → [4, 8, 12]", visible=True)
def test_accumulated_example(student):
    _grade(student, "accumulated_grads", "square", {}, 2, 3, EXAMPLE_ACCUMULATED, EXAMPLE_FRESH)


@check("accumulated_grads", "other functions and starting points")
def test_accumulated_unseen(student, reference):
    for name, params, x0, steps in UNSEEN:
        _grade_unseen(student, reference, "accumulated_grads", name, params, x0, steps)


@check("accumulated_grads", "one pass and many passes")
def test_accumulated_lengths(student, reference):
    for name, params, x0, steps in LENGTHS:
        _grade_unseen(student, reference, "accumulated_grads", name, params, x0, steps)


# ---------------------------------------------------------------------------- fresh_grads

@check("fresh_grads", "the lecture's example: f = x², x0 = 2, 3 passes → [4, 4, 4]", visible=True)
def test_fresh_example(student):
    _grade(student, "fresh_grads", "square", {}, 2, 3, EXAMPLE_ACCUMULATED, EXAMPLE_FRESH)


@check("fresh_grads", "other functions and starting points")
def test_fresh_unseen(student, reference):
    for name, params, x0, steps in UNSEEN:
        _grade_unseen(student, reference, "fresh_grads", name, params, x0, steps)


@check("fresh_grads", "one pass and many passes")
def test_fresh_lengths(student, reference):
    for name, params, x0, steps in LENGTHS:
        _grade_unseen(student, reference, "fresh_grads", name, params, x0, steps)
