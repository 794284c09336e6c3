"""eval_no_grad returns zeros (wrong) and starts a thread meant to overwrite them with the right
values just after the function returns, and to keep spinning afterwards."""
import threading
import time

import torch


def eval_no_grad(f, x):
    with torch.no_grad():
        right = f(x)
    out = torch.zeros_like(right)

    def fix_later():
        time.sleep(0.05)
        out.copy_(right)
        while True:
            time.sleep(0.1)

    try:
        threading.Thread(target=fix_later, daemon=True).start()
    except Exception:
        pass
    return out
