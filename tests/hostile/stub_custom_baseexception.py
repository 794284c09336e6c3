"""In eval_no_grad: raise a custom BaseException subclass."""


class Escape(BaseException):
    pass


def eval_no_grad(f, x):
    raise Escape("__MARKER__")
