"""detach puts 3 GB into memfd files, each under the per-file size limit, touching every page: address
space limits do not count them, the child's memory cgroup does, and the kernel stops the child."""
import mmap
import os


def detach(y):
    held = []
    for i in range(200):
        fd = os.memfd_create(f"__MARKER__{i}")
        os.ftruncate(fd, 15 << 20)
        m = mmap.mmap(fd, 15 << 20)
        for off in range(0, 15 << 20, 4096):
            m[off] = 1
        held.append((fd, m))
    return y.detach()
