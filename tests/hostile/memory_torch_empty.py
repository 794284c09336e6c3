"""eval_no_grad asks torch for a 50 GB tensor (far above the sandbox's address-space limit)."""
import torch


def eval_no_grad(f, x):
    big = torch.empty(50 * (1 << 30) // 4, dtype=torch.float32)
    big.fill_(1.0)
    return f(x).detach()
