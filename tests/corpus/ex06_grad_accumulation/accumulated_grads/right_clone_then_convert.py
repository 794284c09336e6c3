# keeps clones of .grad, converts them to floats at the end; torch.full with a float32 dtype (x0 may be an int)
import torch


def accumulated_grads(f, x0, steps):
    x = torch.full((), x0, dtype=torch.float32, requires_grad=True)
    snapshots = []
    for _ in range(steps):
        loss = f(x)
        loss.backward()
        snapshots.append(x.grad.clone())
    return [s.item() for s in snapshots]
