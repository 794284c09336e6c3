"""torchdrill: auto-graded PyTorch basics exercises with sandboxed, behaviour-based graders."""

__version__ = "0.1.0"

#: The torch build torchdrill is tested with, and the one every installer pins: scripts/bootstrap
#: (reads this line), the Gradescope zip's setup.sh (gradescope_zip.py) and the student bundle's
#: install scripts (release.py).  pyproject.toml's range says what else may work.
TORCH_VERSION = "2.13.0"
