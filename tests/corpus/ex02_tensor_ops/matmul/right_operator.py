# right: the @ operator has torch.matmul's rules
def matmul(a, b):
    return a @ b
