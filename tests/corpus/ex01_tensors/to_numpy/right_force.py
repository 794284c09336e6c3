# right: numpy(force=True) detaches and moves to the CPU only when needed
def to_numpy(t):
    return t.numpy(force=True)
