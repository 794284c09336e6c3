# right: Tensor.to with the device as a keyword
def to_device(t, device):
    return t.to(device=device)
