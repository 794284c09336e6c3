# wrong: detach().clone() makes a copy before converting
def to_numpy(t):
    return t.detach().clone().cpu().numpy()
