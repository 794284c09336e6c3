"""detach returns a *copy* (the wrong answer the sharing check exists for), and at import time the
submission wraps the sandbox child's serializer (torchdrill.sandbox.child._plain) so that the copy
is replaced by a view of y in the result record the trusted side reads."""
import sys

_stash = {}


def detach(y):
    copy = y.detach().clone()
    _stash[id(copy)] = y
    return copy


_child = sys.modules.get("torchdrill.sandbox.child")
if _child is not None and hasattr(_child, "_plain"):
    _real_plain = _child._plain

    def _forged_plain(value, *args, **kwargs):
        if id(value) in _stash:
            value = _stash[id(value)].detach()
        return _real_plain(value, *args, **kwargs)

    _child._plain = _forged_plain
