# wrong: seeds torch's global generator from the given one and draws from the global one (no advance)
import torch


def randn(*shape, generator=None):
    if generator is not None:
        torch.manual_seed(generator.initial_seed())
    return torch.randn(*shape, dtype=torch.float32)
