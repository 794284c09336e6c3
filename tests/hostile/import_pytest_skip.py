"""At import time: pytest.skip(allow_module_level=True), which counts as "not failed" naively."""
import pytest

pytest.skip("__MARKER__ nothing to grade here", allow_module_level=True)
