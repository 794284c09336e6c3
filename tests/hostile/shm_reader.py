"""eval_no_grad reads whatever earlier submissions left in shared places (/dev/shm, /tmp,
/var/tmp) and reports it: another submission must not be able to reach this one."""
import os


def eval_no_grad(f, x):
    seen = []
    for d in ("/dev/shm", "/tmp", "/var/tmp", "/dev/mqueue"):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            try:
                with open(os.path.join(d, n)) as fh:
                    seen.append(f"{d}/{n}: {fh.read(200)}")
            except OSError:
                seen.append(f"{d}/{n}")
    raise RuntimeError("shared places hold: " + repr(seen)[:1500])
