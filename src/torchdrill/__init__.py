"""torchdrill: auto-graded PyTorch basics exercises with sandboxed, behaviour-based graders."""

__version__ = "0.1.0"
