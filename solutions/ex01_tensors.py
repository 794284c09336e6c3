"""ex01 텐서 기초 / Tensor basics

텐서(`torch.Tensor`)는 PyTorch가 다루는 다차원 배열입니다. numpy 배열과 쓰임새가 거의 같지만
GPU에서 계산할 수 있고 자동 미분을 지원합니다. 이 장에서는 텐서를 만들고 numpy와 오가는 법을
연습합니다. 두 가지를 꼭 기억하세요.

* 기본 실수 dtype은 float32입니다. `torch.zeros(3, 3)`, `torch.ones`, `torch.randn`,
  `torch.tensor([1.5])` 모두 float32를 돌려줍니다 (float64라고 설명하는 자료도 있지만 틀렸습니다).
  정수만 담은 리스트는 int64가 됩니다. 반면 numpy에서 온 배열은 numpy의 기본값인 float64를
  그대로 유지합니다.
* `torch.from_numpy`와 `Tensor.numpy()`는 데이터를 복사하지 않고 같은 메모리를 함께 씁니다.
  한쪽에서 값을 바꾸면 다른 쪽에서도 바뀐 값이 보입니다.

A tensor (`torch.Tensor`) is PyTorch's n-dimensional array. It is used much like a numpy array,
but it can live on a GPU and it supports automatic differentiation. This chapter practises
creating tensors and moving data between torch and numpy. Two facts to keep in mind:

* The default floating dtype is float32: `torch.zeros(3, 3)`, `torch.ones`, `torch.randn` and
  `torch.tensor([1.5])` all give float32 (some notes claim float64; they are wrong). A list of
  integers gives int64. An array that comes from numpy keeps numpy's default, float64.
* `torch.from_numpy` and `Tensor.numpy()` do not copy: both sides use the same memory, so a write
  through one is visible through the other.
"""
import numpy as np
import torch


def make_tensor(data: list) -> torch.Tensor:
    """파이썬 리스트로 텐서 만들기 / Build a tensor from Python lists.

    과제 / Task:
        숫자로 된 (중첩) 리스트 `data`로 새 텐서를 만드세요. 원소가 모두 정수이면 dtype은
        int64, 실수가 하나라도 섞여 있으면 float32여야 합니다.
        Build a new tensor from the (nested) list of numbers `data`. If every element is an
        integer the dtype is int64; if any element is a float the dtype is float32.

    입력 / Input:
        data: 비어 있지 않은 숫자 리스트 (중첩 가능) / a non-empty, possibly nested list of numbers.

    출력 / Output:
        `data`와 같은 모양과 값을 가진 `torch.Tensor` / a `torch.Tensor` with the shape and
        values of `data`.

    예시 / Example:
        >>> make_tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> make_tensor([1, 2.5]).dtype
        torch.float32

    주의 / Watch out:
        실수 dtype은 누군가 `torch.set_default_dtype`으로 기본값을 바꿔 두었더라도 float32여야
        합니다. 기본값에 기대지 말고 float32를 직접 지정하세요. 정수 텐서는 실수로 바꾸지 마세요.
        Floats must come out as float32 even if someone changed the default with
        `torch.set_default_dtype`, so ask for float32 explicitly instead of relying on the
        default. Do not turn integer tensors into floats.
    """
    # BEGIN SOLUTION
    tensor = torch.tensor(data)
    if tensor.is_floating_point():
        tensor = tensor.to(torch.float32)
    return tensor
    # END SOLUTION


def from_numpy(arr: np.ndarray) -> torch.Tensor:
    """numpy 배열을 메모리 공유 텐서로 / A numpy array as a tensor that shares its memory.

    과제 / Task:
        numpy 배열 `arr`을 복사하지 않고 텐서로 바꾸세요. 결과 텐서와 `arr`은 같은 메모리를
        써야 하며, dtype도 그대로여야 합니다 (float64는 float64로).
        Turn the numpy array `arr` into a tensor without copying: the tensor and `arr` must use
        the same memory, and the dtype must stay as it is (float64 stays float64).

    입력 / Input:
        arr: `np.ndarray` (숫자 dtype / a numeric dtype).

    출력 / Output:
        `arr`과 메모리를 공유하는 `torch.Tensor` / a `torch.Tensor` sharing memory with `arr`.

    예시 / Example:
        >>> arr = np.array([1.0, 2.0])
        >>> t = from_numpy(arr)
        >>> arr[0] = 10.0
        >>> t
        tensor([10.,  2.], dtype=torch.float64)

    주의 / Watch out:
        `torch.tensor(arr)`는 복사본을 만들고, dtype을 float32로 바꾸는 변환도 복사를 일으킵니다.
        `torch.tensor(arr)` makes a copy, and so does any conversion to float32.
    """
    # BEGIN SOLUTION
    return torch.from_numpy(arr)
    # END SOLUTION


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """텐서를 numpy 배열로 / A tensor as a numpy array.

    과제 / Task:
        텐서 `t`를 numpy 배열로 바꾸세요. CPU에 있는 텐서라면 배열이 `t`와 메모리를 공유해야
        합니다. `t`가 미분을 추적하고 있으면(requires_grad) 먼저 그래프에서 떼어 내고(여전히
        메모리 공유), GPU 같은 가속기에 있으면 CPU로 복사한 뒤 바꾸세요.
        Turn the tensor `t` into a numpy array. For a CPU tensor the array must share memory
        with `t`. If `t` requires grad, take it off the graph first (still sharing memory); if it
        lives on an accelerator such as a GPU, copy it to the CPU first.

    입력 / Input:
        t: 아무 장치, 아무 실수/정수 dtype의 `torch.Tensor` / a `torch.Tensor` of any numeric
        dtype on any device.

    출력 / Output:
        `np.ndarray` (`t`와 같은 모양과 값 / same shape and values as `t`).

    예시 / Example:
        >>> w = torch.ones(2, requires_grad=True)
        >>> to_numpy(w)
        array([1., 1.], dtype=float32)

    주의 / Watch out:
        requires_grad인 텐서에 바로 `.numpy()`를 부르면 RuntimeError가 납니다. `np.array(t)`는
        복사본을 만들기 때문에 메모리를 공유하지 않습니다.
        Calling `.numpy()` directly on a tensor that requires grad raises a RuntimeError.
        `np.array(t)` makes a copy, so it does not share memory.
    """
    # BEGIN SOLUTION
    plain = t.detach()
    if plain.device.type != "cpu":
        plain = plain.cpu()
    return plain.numpy()
    # END SOLUTION


def zeros(*shape: int) -> torch.Tensor:
    """0으로 채운 float32 텐서 / A float32 tensor of zeros.

    과제 / Task:
        모양이 `shape`이고 모든 원소가 0인 float32 텐서를 만드세요.
        Create a float32 tensor of shape `shape` filled with zeros.

    입력 / Input:
        *shape: 각 차원의 크기 (정수 여러 개) / the size of each dimension (several ints).

    출력 / Output:
        모양이 `shape`인 float32 `torch.Tensor` / a float32 `torch.Tensor` of shape `shape`.

    예시 / Example:
        >>> zeros(2, 3)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])

    주의 / Watch out:
        `torch.zeros`의 기본 dtype은 float64가 아니라 float32입니다. 기본값이 바뀌어 있어도
        float32가 나오도록 dtype을 직접 지정하세요.
        The default dtype of `torch.zeros` is float32, not float64. Name the dtype so the result
        is float32 even if the default has been changed.
    """
    # BEGIN SOLUTION
    return torch.zeros(*shape, dtype=torch.float32)
    # END SOLUTION


def ones(*shape: int) -> torch.Tensor:
    """1로 채운 float32 텐서 / A float32 tensor of ones.

    과제 / Task:
        모양이 `shape`이고 모든 원소가 1인 float32 텐서를 만드세요.
        Create a float32 tensor of shape `shape` filled with ones.

    입력 / Input:
        *shape: 각 차원의 크기 (정수 여러 개) / the size of each dimension (several ints).

    출력 / Output:
        모양이 `shape`인 float32 `torch.Tensor` / a float32 `torch.Tensor` of shape `shape`.

    예시 / Example:
        >>> ones(2, 2)
        tensor([[1., 1.],
                [1., 1.]])

    주의 / Watch out:
        `zeros`와 마찬가지로 결과는 float32여야 합니다 (정수 1이 아닙니다).
        As with `zeros`, the result must be float32 (not integer ones).
    """
    # BEGIN SOLUTION
    return torch.ones(*shape, dtype=torch.float32)
    # END SOLUTION


def randn(*shape: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """표준정규분포 난수 텐서 / A tensor of standard normal samples.

    과제 / Task:
        평균 0, 표준편차 1인 정규분포에서 뽑은 값으로 모양이 `shape`인 float32 텐서를
        만드세요. `generator`가 주어지면 반드시 그 생성기에서 뽑아야 합니다. 그래야 같은 시드로
        만든 생성기가 같은 텐서를 돌려줍니다.
        Create a float32 tensor of shape `shape` whose values are drawn from the normal
        distribution with mean 0 and standard deviation 1. When `generator` is given, draw from
        it, so that generators seeded alike give the same tensor.

    입력 / Input:
        *shape: 각 차원의 크기 / the size of each dimension.
        generator: `torch.Generator` 또는 None / a `torch.Generator` or None.

    출력 / Output:
        모양이 `shape`인 float32 `torch.Tensor` / a float32 `torch.Tensor` of shape `shape`.

    예시 / Example:
        >>> g1 = torch.Generator().manual_seed(0)
        >>> g2 = torch.Generator().manual_seed(0)
        >>> torch.equal(randn(4, 4, generator=g1), randn(4, 4, generator=g2))
        True

    주의 / Watch out:
        `torch.rand`는 정규분포가 아니라 [0, 1) 균등분포입니다. `generator`를 무시하면 같은
        시드로도 결과가 달라집니다.
        `torch.rand` samples the uniform distribution on [0, 1), not the normal one. Ignoring
        `generator` makes equal seeds give different tensors.
    """
    # BEGIN SOLUTION
    return torch.randn(*shape, generator=generator, dtype=torch.float32)
    # END SOLUTION
