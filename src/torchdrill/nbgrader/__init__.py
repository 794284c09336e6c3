"""The nbgrader bridge: the same course as real nbgrader notebooks, and a fast path for grading them.

    export.py     ``torchdrill nbgrader COURSE_DIR``: nbgrader_config.py and source/<chapter>/<chapter>.ipynb
                  for every chapter, built from solutions/ and course.yml (one source, as for exercises/)
    cell.py       what a notebook's autograder-test cell imports inside the Jupyter kernel: it hands the
                  notebook's code to a fresh process and prints what that process found (standard library only)
    cellgrade.py  that process: stages the code as a chapter file and grades it with our engine and sandbox
    fastpath.py   ``torchdrill grade --nbgrader COURSE_DIR ASSIGNMENT``: every submitted notebook graded
                  through our sandbox (the batch machinery), the scores written into nbgrader's gradebook

Trust: under ``nbgrader autograde`` the test cell runs in the student's kernel, so it can judge the
student's *code* in our sandbox (a patched ``torch.allclose`` earns nothing) but cannot defend itself
against code that rewrites the kernel (input transformers, a patched ``subprocess``, writes to
gradebook.db).  The fast path never runs a kernel: it is the one that withstands the whole threat model.

Nothing here imports nbgrader or torch at import time.
"""

#: The first line of every generated autograder-test cell starts with this; the kernel-side helper
#: leaves such cells out of the code it grades (see cell.py).
TEST_CELL_TAG = "# torchdrill autograder test"

#: nbgrader's markers (its defaults), written into the generated notebooks.
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

#: Environment variable (set by the generated nbgrader_config.py) naming the torchdrill course.
COURSE_ENV = "TORCHDRILL_COURSE"
