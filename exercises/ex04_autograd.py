"""ex04 자동 미분 / Automatic differentiation

`requires_grad=True`인 텐서로 계산하면 PyTorch가 연산 그래프를 기록하고, 스칼라 결과에서
`backward()`를 부르면 연쇄 법칙(chain rule)을 따라 각 잎(leaf) 텐서의 `.grad`에 도함수 값을
채웁니다. 출력이 여러 개이면 `backward()`에 스칼라가 필요하므로 합을 구해 부르거나,
`torch.autograd.grad(..., grad_outputs=v)`로 벡터-야코비안 곱 vᵀ·J를 직접 구합니다.
`torch.autograd.grad`는 `.grad`를 건드리지 않고 결과를 튜플로 돌려줍니다.

When you compute with a tensor that has `requires_grad=True`, PyTorch records the graph of
operations; calling `backward()` on a scalar result applies the chain rule and fills `.grad` of
every leaf tensor with the derivative. A non-scalar output needs a scalar for `backward()`, so
either sum it first, or ask `torch.autograd.grad(..., grad_outputs=v)` for the vector-Jacobian
product vᵀ·J directly. `torch.autograd.grad` leaves `.grad` alone and returns a tuple.
"""
from collections.abc import Callable

import torch


def grad_at(f: Callable[[torch.Tensor], torch.Tensor], x: int | float) -> torch.Tensor:
    """한 점에서의 도함수 값 / The derivative at a point.

    과제 / Task:
        수 `x`에서 f의 도함수 df/dx 값을 자동 미분으로 구하세요. `x`로 float32 0차원 텐서를
        새로 만들어 미분을 추적하게 한 뒤 계산합니다.
        Compute the derivative df/dx of `f` at the number `x` by autograd: build a new float32
        0-dim tensor from `x` that tracks gradients, then differentiate.

    입력 / Input:
        f: 텐서 하나를 받아 0차원 텐서를 돌려주는 미분 가능한 torch 함수 / a differentiable torch
        function of one tensor returning a 0-dim tensor.
        x: int 또는 float (강의 예제처럼 정수 `2`가 올 수 있음) / an int or a float (an integer
        such as `2`, as in the lecture's examples).

    출력 / Output:
        df/dx를 담은 0차원 float32 텐서 (그래프에 연결되지 않음) / a 0-dim float32 tensor
        holding df/dx, not attached to any graph.

    예시 / Example:
        >>> grad_at(lambda x: x**2 + 3*x + 5, 2)        # 2x + 3
        tensor(7.)
        >>> grad_at(lambda x: 3 * x**2 + 2, 1)          # 연쇄 법칙 / chain rule: 3 · 2x
        tensor(6.)

    주의 / Watch out:
        손으로 구한 도함수 식을 쓰지 말고 autograd에 맡기세요. `.item()`으로 바꾸면 텐서가 아니라
        float가 되고, 정수 텐서는 미분을 추적할 수 없습니다 (`torch.tensor(2, requires_grad=True)`는
        오류). 차분 (f(x+h) - f(x-h)) / 2h 같은 수치 근사도 autograd가 아닙니다.
        Let autograd do the work instead of a derivative written by hand. `.item()` would give a
        float instead of a tensor, and an integer tensor cannot track gradients
        (`torch.tensor(2, requires_grad=True)` raises). A difference quotient such as
        (f(x+h) - f(x-h)) / 2h is a numerical estimate, not autograd.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")


def grad_of_sum(f: Callable[[torch.Tensor], torch.Tensor], xs: list[int | float]) -> torch.Tensor:
    """여러 점의 기울기를 한 번에 / Gradients at several points at once.

    과제 / Task:
        수의 리스트 `xs`로 float32 1차원 텐서 x를 만들고, Σ f(x)를 x에 대해 미분한 값을
        돌려주세요. f가 원소별 함수이면 결과의 i번째 값은 xs[i]에서의 f'입니다.
        Build a float32 1-D tensor x from the list of numbers `xs` and return the gradient of
        Σ f(x) with respect to x. For an element-wise `f`, entry i is f' at xs[i].

    입력 / Input:
        f: 텐서를 받아 같은 모양의 텐서를 돌려주는 미분 가능한 torch 함수 / a differentiable
        torch function returning a tensor of the input's shape.
        xs: int나 float의 리스트 (강의 예제처럼 [1, 2, 3]일 수 있음) / a list of ints or floats
        (such as [1, 2, 3], as in the lecture's example).

    출력 / Output:
        모양 (len(xs),)의 float32 텐서 / a float32 tensor of shape (len(xs),).

    예시 / Example:
        >>> grad_of_sum(lambda x: 2 * x**2 + 3 * x, [1, 2, 3])          # 4x + 3
        tensor([ 7., 11., 15.])

    주의 / Watch out:
        `backward()`는 스칼라 출력에서만 인자 없이 부를 수 있습니다. 출력을 먼저 스칼라로
        만드세요 (합). 평균을 쓰면 기울기가 len(xs)로 나뉩니다. 정수 리스트로 만든 텐서는 int64라서
        미분을 추적할 수 없으니 dtype을 float32로 지정하세요.
        `backward()` without arguments needs a scalar output, so reduce the output to a scalar
        first (the sum). The mean would divide every gradient by len(xs). A tensor built from a list
        of ints is int64 and cannot track gradients: ask for dtype float32.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")


def vjp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """벡터-야코비안 곱 / The vector-Jacobian product.

    과제 / Task:
        `x`에서 f의 야코비안 J에 대해 vᵀ·J를 구해 텐서로 돌려주세요
        (`torch.autograd.grad(outputs=f(x), inputs=x, grad_outputs=v)`가 계산하는 값).
        호출한 쪽의 `x`는 그대로여야 합니다: `requires_grad`도 `.grad`도 바뀌면 안 됩니다.
        Return, as a tensor, vᵀ·J where J is the Jacobian of `f` at `x` (what
        `torch.autograd.grad(outputs=f(x), inputs=x, grad_outputs=v)` computes). The caller's
        `x` must be left as it was: neither its `requires_grad` nor its `.grad` may change.

    입력 / Input:
        f: 미분 가능한 torch 함수 / a differentiable torch function.
        x: 실수 `torch.Tensor` / a floating-point tensor.
        v: f(x)와 같은 모양의 텐서 / a tensor of the shape of f(x).

    출력 / Output:
        `x`와 같은 모양의 `torch.Tensor` (튜플이 아님) / a tensor of the shape of `x` (not a
        tuple).

    예시 / Example:
        >>> vjp(lambda x: x * x, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
        tensor([2., 4.])

    주의 / Watch out:
        `torch.autograd.grad`는 튜플을 돌려주므로 첫 번째 원소를 꺼내야 합니다. 입력 `x`에
        직접 `requires_grad_()`를 부르면 호출한 쪽의 텐서가 바뀝니다.
        `torch.autograd.grad` returns a tuple: take its first element. Calling
        `requires_grad_()` on the given `x` itself changes the caller's tensor.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")
