# wrong: rebuilds a generator from generator.initial_seed() on every call, so the same generator never advances
import torch


def randn(*shape, generator=None):
    if generator is None:
        return torch.randn(*shape, dtype=torch.float32)
    fresh = torch.Generator().manual_seed(generator.initial_seed())
    return torch.randn(*shape, generator=fresh, dtype=torch.float32)
