# right: by hand: 1-D operands become matrices, then broadcast multiply and sum over the shared axis
def matmul(a, b):
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    out = (a2.unsqueeze(-1) * b2.unsqueeze(-3)).sum(dim=-2)
    if a.dim() == 1:
        out = out.squeeze(-2)
    if b.dim() == 1:
        out = out.squeeze(-1)
    return out
