"""ex06 Gradient 초기화 / Gradient accumulation

`backward()`는 `.grad`를 덮어쓰지 않고 이미 있던 값에 *더합니다*. 이 설계 덕분에 여러 손실의
기울기를 모으거나 작은 배치 여러 개를 합칠 수 있지만, 학습 반복마다 기울기를 초기화하지 않으면
지난 반복의 기울기가 계속 쌓여서 잘못된 방향으로 갱신하게 됩니다. 초기화는 `.grad`에 `zero_()`를
부르거나 `.grad`에 None을 넣어서 합니다 (둘 다 맞습니다).

`backward()` does not overwrite `.grad`: it *adds* to what is already there. That is by design
(it lets you sum the gradients of several losses or of several small batches), but a training
loop that does not reset the gradient every iteration keeps piling up old gradients and updates in
the wrong direction. Reset it by calling `zero_()` on `.grad` or by setting `.grad` to None
(both are right).
"""
from collections.abc import Callable

import torch


def accumulated_grads(
    f: Callable[[torch.Tensor], torch.Tensor], x0: int | float, steps: int
) -> list[float]:
    """초기화 없이 쌓이는 기울기 / Gradients that pile up.

    과제 / Task:
        `x0`으로 미분을 추적하는 float32 0차원 텐서 x를 만들고, f(x)의 `backward()`를
        `steps`번 부르세요. 기울기는 초기화하지 **않습니다**. 매번 `backward()` 직후의 x.grad
        값을 float로 모아 돌려주세요.
        Build a float32 0-dim tensor x from `x0` that tracks gradients and call `backward()` on
        f(x) `steps` times **without** resetting the gradient. Return the value of x.grad read
        right after each `backward()`, as floats.

    입력 / Input:
        f: 텐서 하나를 받아 0차원 텐서를 돌려주는 미분 가능한 함수 / a differentiable function of
        one tensor returning a 0-dim tensor.
        x0: int 또는 float (강의 예제처럼 정수 `2`가 올 수 있음) / an int or a float (an integer
        such as `2`, as in the lecture's example).
        steps: 0 이상의 int / an int ≥ 0.

    출력 / Output:
        길이 `steps`인 float 리스트 / a list of `steps` floats.

    예시 / Example:
        >>> accumulated_grads(lambda x: x**2, 2, 3)       # 2x = 4를 계속 더함 / adds 4 each time
        [4.0, 8.0, 12.0]

    주의 / Watch out:
        `backward()`를 부를 때마다 f(x)를 새로 계산해야 합니다. 한 그래프로 `backward()`를 두 번
        부르면 오류가 납니다. 리스트에는 텐서가 아니라 float를 넣으세요 (같은 `.grad` 텐서를 여러
        번 넣으면 모두 마지막 값이 됩니다). 정수 `x0`로 만든 텐서는 int64라서 미분을 추적할 수 없으니
        dtype을 float32로 지정하세요.
        Compute f(x) anew before every `backward()`: a second `backward()` through the same graph
        raises an error. Put floats, not tensors, into the list (the same `.grad` tensor appended
        several times would show its last value everywhere). A tensor built from an integer `x0` is
        int64 and cannot track gradients: ask for dtype float32.
    """
    # BEGIN SOLUTION
    x = torch.tensor(float(x0), dtype=torch.float32, requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        grads.append(x.grad.item())
    return grads
    # END SOLUTION


def fresh_grads(f: Callable[[torch.Tensor], torch.Tensor], x0: int | float, steps: int) -> list[float]:
    """매번 초기화한 기울기 / Gradients reset every time.

    과제 / Task:
        `accumulated_grads`와 같지만, `backward()`를 부르기 전에 매번 기울기를 초기화하세요.
        그래서 매번 같은 값이 나옵니다.
        The same as `accumulated_grads`, but reset the gradient before every `backward()`, so
        every pass reads the same value.

    입력 / Input:
        f: 텐서 하나를 받아 0차원 텐서를 돌려주는 미분 가능한 함수 / a differentiable function of
        one tensor returning a 0-dim tensor.
        x0: int 또는 float (강의 예제처럼 정수 `2`가 올 수 있음) / an int or a float (an integer
        such as `2`, as in the lecture's example).
        steps: 0 이상의 int / an int ≥ 0.

    출력 / Output:
        길이 `steps`인 float 리스트 / a list of `steps` floats.

    예시 / Example:
        >>> fresh_grads(lambda x: x**2, 2, 3)
        [4.0, 4.0, 4.0]

    주의 / Watch out:
        첫 `backward()` 전에는 `.grad`가 None이어서 `zero_()`를 부르면 AttributeError가 납니다.
        `.grad`에 None을 넣는 방법을 쓰거나 None인지 먼저 확인하세요. `backward()`와 값 읽기
        사이에서 초기화하면 0을 읽게 됩니다.
        Before the first `backward()`, `.grad` is None, so calling `zero_()` on it raises an
        AttributeError: set `.grad` to None instead, or check for None first. Resetting between
        `backward()` and reading the value reads zero.
    """
    # BEGIN SOLUTION
    x = torch.tensor(float(x0), dtype=torch.float32, requires_grad=True)
    grads = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        grads.append(x.grad.item())
    return grads
    # END SOLUTION
