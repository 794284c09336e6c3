"""At import time: a BaseException subclass that `except Exception` does not catch."""


class Escape(BaseException):
    pass


raise Escape("__MARKER__ escaping the harness")
