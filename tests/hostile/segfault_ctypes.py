"""detach reads address 0 through ctypes: a segmentation fault."""
import ctypes


def detach(y):
    ctypes.string_at(0)
    return y.detach()
