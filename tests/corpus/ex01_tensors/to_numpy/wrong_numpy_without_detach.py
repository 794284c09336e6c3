# wrong: t.numpy() raises on a tensor that requires grad
def to_numpy(t):
    return t.cpu().numpy()
