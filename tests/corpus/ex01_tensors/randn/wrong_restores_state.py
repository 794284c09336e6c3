# wrong: puts the generator's saved state back after drawing, so the next call repeats the same numbers
import torch


def randn(*shape, generator=None):
    if generator is None:
        return torch.randn(*shape, dtype=torch.float32)
    state = generator.get_state()
    out = torch.randn(*shape, generator=generator, dtype=torch.float32)
    generator.set_state(state)
    return out
