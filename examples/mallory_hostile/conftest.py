# Tries to force every pytest test to pass (inert: graders never use a submission as rootdir).
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
