"""At import time: pytest.exit(returncode=0), which ends an in-process pytest run with success."""
import pytest

pytest.exit("__MARKER__ all done", returncode=0)
