"""detach allocates a 50 GB bytearray."""


def detach(y):
    junk = bytearray(50 * (1 << 30))
    return y.detach() if junk else None
