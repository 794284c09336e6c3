# right: the Box-Muller transform of uniform samples drawn from the generator (other values, same law)
import math

import torch


def randn(*shape, generator=None):
    n = math.prod(shape)
    u1 = torch.rand(n, generator=generator, dtype=torch.float64)
    u2 = torch.rand(n, generator=generator, dtype=torch.float64)
    z = torch.sqrt(-2.0 * torch.log1p(-u1)) * torch.cos(2.0 * math.pi * u2)
    return z.to(torch.float32).reshape(shape)
