"""Running untrusted student code: a trusted zygote forks one confined child per call."""

from .client import CallResult, Sandbox, SandboxLimits, SandboxUnavailable
from .kit import make, probe

__all__ = ["CallResult", "Sandbox", "SandboxLimits", "SandboxUnavailable", "make", "probe"]
