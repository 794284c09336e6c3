"""detach fills POSIX shared memory (/dev/shm and multiprocessing.shared_memory) in 15 MB pieces
until something stops it: the child's own small /dev/shm, charged to its memory cgroup."""
import os
from multiprocessing import shared_memory


def detach(y):
    made = 0
    for i in range(300):
        with open(f"/dev/shm/__MARKER__{i}", "wb") as f:
            f.write(b"x" * (15 << 20))
        seg = shared_memory.SharedMemory(create=True, size=15 << 20, name=f"__MARKER__s{i}")
        seg.buf[:] = b"y" * (15 << 20)
        made += 2
    return y.detach()
