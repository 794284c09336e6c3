"""ex05 미분 추적 금지 / Stopping gradient tracking

학습 중에는 그래프 기록이 필요하지만, 평가나 추론처럼 기울기가 필요 없는 계산에서는 기록이
메모리와 시간만 씁니다. 방법은 두 가지이고 쓰임이 다릅니다.

* `torch.no_grad()`: `with` 블록 안의 모든 연산을 기록하지 않습니다. 계산 *구간* 전체에
  적용됩니다.
* `tensor.detach()`: 이미 있는 텐서 *하나*를 그래프에서 떼어 낸 텐서를 돌려줍니다. 값은 복사하지
  않고 같은 메모리를 함께 쓰므로, 떼어 낸 텐서를 제자리에서 바꾸면 원래 텐서도 바뀝니다.

Training needs the graph, but evaluation and inference do not, and recording it there only costs
memory and time. There are two tools, for different jobs:

* `torch.no_grad()`: nothing computed inside the `with` block is recorded. It applies to a
  *stretch of code*.
* `tensor.detach()`: returns *one* existing tensor cut off from the graph. It copies nothing: it
  shares memory with the original, so an in-place change to the detached tensor changes the
  original too.
"""
from collections.abc import Callable

import torch


def eval_no_grad(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """그래프 없이 계산하기 / Compute without recording a graph.

    과제 / Task:
        f(x)를 계산하되 연산 그래프를 기록하지 마세요. `x`가 requires_grad여도 결과는 미분을
        추적하지 않아야 하고, `x.grad`는 None으로 남아야 합니다.
        Compute f(x) without recording the graph of operations. The result must not require
        grad even when `x` does, and `x.grad` must stay None.

    입력 / Input:
        f: 텐서를 받아 텐서를 돌려주는 torch 함수 / a torch function from tensor to tensor.
        x: `torch.Tensor` (requires_grad일 수 있음 / may require grad).

    출력 / Output:
        f(x)의 값, `requires_grad`가 False인 텐서 / the value of f(x), a tensor whose
        `requires_grad` is False.

    예시 / Example:
        >>> x = torch.tensor(5.0, requires_grad=True)
        >>> y = eval_no_grad(lambda t: t**2 + 3*t, x)
        >>> y, y.requires_grad, x.grad
        (tensor(40.), False, None)

    주의 / Watch out:
        f(x)를 먼저 계산한 뒤 떼어 내면 값은 같아도 그래프는 이미 만들어진 뒤입니다. 이 과제는
        처음부터 기록하지 않는 것입니다. `x`의 `requires_grad`를 바꾸지 마세요. `torch.no_grad()`는
        `with` 블록으로 써야 합니다: 문장으로 한 줄 쓰면 아무 일도 하지 않고,
        `torch.set_grad_enabled(False)`를 문장으로 부르면 함수가 끝난 뒤에도 기록이 꺼진 채로 남습니다.
        Computing f(x) first and detaching afterwards gives the same value, but the graph has
        already been built; the task is not to record it at all. Do not change
        `x.requires_grad`. Use `torch.no_grad()` as a `with` block: written as a statement it does
        nothing, and `torch.set_grad_enabled(False)` as a statement leaves recording off after the
        function returns.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")


def detach(y: torch.Tensor) -> torch.Tensor:
    """그래프에서 떼어 내기 / Cut a tensor off the graph.

    과제 / Task:
        `y`와 값이 같고 `y`와 메모리를 공유하지만, 미분을 추적하지 않고 `grad_fn`도 없는 텐서를
        돌려주세요.
        Return a tensor with the values of `y` that shares memory with `y` but does not require
        grad and has no `grad_fn`.

    입력 / Input:
        y: `torch.Tensor` (그래프의 중간 결과일 수 있음 / possibly an intermediate result in a
        graph).

    출력 / Output:
        `y`와 메모리를 공유하는, requires_grad가 False인 텐서 / a tensor sharing memory with `y`
        whose requires_grad is False.

    예시 / Example:
        >>> x = torch.tensor(5.0, requires_grad=True)
        >>> z = detach(x ** 2)
        >>> z, z.requires_grad, z.grad_fn
        (tensor(25.), False, None)

    주의 / Watch out:
        `clone()`을 덧붙이면 메모리 공유가 깨집니다. `y.requires_grad_(False)`는 중간 결과에서는
        오류를 내고, 잎 텐서에서는 입력 `y`를 바꿔 버립니다.
        Adding `clone()` breaks the memory sharing. `y.requires_grad_(False)` raises on an
        intermediate result and changes the input `y` when it is a leaf.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")
