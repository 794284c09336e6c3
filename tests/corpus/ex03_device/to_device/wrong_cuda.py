# wrong: .cuda() always targets a CUDA GPU, whatever device was asked for
def to_device(t, device):
    return t.cuda()
