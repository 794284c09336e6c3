"""At import time: builtins.__import__ patched and sys.modules['torch'] replaced by a fake whose
Tensor is the student's own class, so that harness code importing torch afterwards sees the fake."""
import builtins
import sys
import types

_real_torch = sys.modules["torch"]
_real_import = builtins.__import__


class FakeTensor:
    requires_grad = False
    grad_fn = None

    def __init__(self, shape):
        self.shape = shape

    def __eq__(self, other):
        return True


fake = types.ModuleType("torch")
fake.__dict__.update({k: getattr(_real_torch, k) for k in dir(_real_torch) if not k.startswith("__")})
fake.Tensor = FakeTensor
fake.allclose = fake.equal = lambda *a, **k: True
sys.modules["torch"] = fake


def _import(name, *args, **kwargs):
    if name == "torch" or name.startswith("torch."):
        return fake
    return _real_import(name, *args, **kwargs)


builtins.__import__ = _import


def eval_no_grad(f, x):
    return FakeTensor(x.shape)


def detach(y):
    return FakeTensor(y.shape)
