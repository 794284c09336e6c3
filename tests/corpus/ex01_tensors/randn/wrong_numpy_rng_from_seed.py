# wrong: numpy's generator seeded from generator.initial_seed() on every call (same draws each call)
import numpy as np
import torch


def randn(*shape, generator=None):
    seed = generator.initial_seed() if generator is not None else None
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.standard_normal(shape)).to(torch.float32)
