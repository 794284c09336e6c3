"""ex03 GPU 연산 / Devices

PyTorch는 GPU에서 계산을 가속할 수 있습니다. NVIDIA GPU는 `cuda`, Apple 실리콘 Mac의 GPU는 `mps`,
둘 다 없으면 `cpu`를 씁니다. 텐서와 모델은 연산하기 전에 같은 장치에 있어야 하며,
`.to(device)`로 옮깁니다. `.to`는 원래 텐서를 옮기는 것이 아니라 대상 장치에 있는 텐서를 새로
돌려준다는 점을 기억하세요. 그리고 코드에 `"cuda"`나 `"mps:0"`을 박아 두지 말고, 실행하는
컴퓨터에서 쓸 수 있는 장치를 고르세요.

PyTorch can speed up computation on a GPU: `cuda` for NVIDIA GPUs, `mps` for the GPU of an
Apple-silicon Mac, and `cpu` when there is neither. Tensors and models must be on the same device
before they meet in an operation; `.to(device)` moves them. Remember that `.to` does not move the
original tensor: it returns a tensor on the target device. And do not hard-code `"cuda"` or
`"mps:0"`: pick what the machine running the code actually has.
"""
import torch


def pick_device() -> torch.device:
    """쓸 수 있는 가장 빠른 장치 고르기 / Pick the fastest available device.

    과제 / Task:
        CUDA를 쓸 수 있으면 cuda, 아니면 MPS를 쓸 수 있으면 mps, 둘 다 아니면 cpu를
        `torch.device`로 돌려주세요.
        Return, as a `torch.device`, cuda when CUDA is available, otherwise mps when MPS is
        available, otherwise cpu.

    입력 / Input:
        없음 / none.

    출력 / Output:
        `torch.device` (종류는 "cuda", "mps", "cpu" 중 하나 / its type is "cuda", "mps" or
        "cpu").

    예시 / Example:
        >>> pick_device()          # GPU가 없는 컴퓨터 / on a machine without a GPU
        device(type='cpu')

    주의 / Watch out:
        확인하는 순서가 중요합니다: cuda가 먼저, 그다음 mps입니다. 장치를 문자열로 고정해 두면
        다른 컴퓨터에서 실패합니다.
        The order matters: cuda first, then mps. A device fixed in the code as a string fails on
        other machines.
    """
    # BEGIN SOLUTION
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
    # END SOLUTION


def to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """텐서를 다른 장치로 / A tensor on another device.

    과제 / Task:
        `t`와 같은 값을 가진 텐서를 `device`에 만들어 돌려주세요. `t` 자신은 원래 장치에 그대로
        남아 있어야 합니다.
        Return a tensor with the values of `t` on `device`. `t` itself stays where it was.

    입력 / Input:
        t: `torch.Tensor`.
        device: `torch.device` (또는 "cpu" 같은 문자열 / or a string such as "cpu").

    출력 / Output:
        `device`에 있는 `torch.Tensor` / a `torch.Tensor` on `device`.

    예시 / Example:
        >>> to_device(torch.tensor([1.0, 2.0, 3.0]), torch.device("cpu"))
        tensor([1., 2., 3.])

    주의 / Watch out:
        `.to`는 제자리(in-place) 연산이 아닙니다: 돌려받은 텐서를 써야 합니다. `.cuda()`는
        GPU가 없는 곳이나 mps 장치에서는 동작하지 않습니다.
        `.to` does not work in place: use the tensor it returns. `.cuda()` fails where there is no
        CUDA GPU and cannot target mps.
    """
    # BEGIN SOLUTION
    return t.to(device)
    # END SOLUTION
