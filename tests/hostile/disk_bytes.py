"""detach writes 1 GB as 100 files of 10 MB (each under the per-file limit) in its working folder
and in /tmp: the folders are capped tmpfs, so the writes fail long before the host's disk notices."""


def detach(y):
    for folder in (".", "/tmp"):
        for i in range(100):
            with open(f"{folder}/__MARKER__{i}", "wb") as f:
                f.write(b"\0" * (10 << 20))
    return y.detach()
