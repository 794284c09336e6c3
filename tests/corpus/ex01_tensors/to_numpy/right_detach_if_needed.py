# right: detach only when t requires grad, copy to the CPU only when it is elsewhere
def to_numpy(t):
    if t.requires_grad:
        t = t.detach()
    if t.device.type != "cpu":
        t = t.to("cpu")
    return t.numpy()
