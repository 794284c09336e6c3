"""ex02 기본 텐서 연산 / Basic tensor operations

덧셈, 원소별 곱셈, 행렬곱, 그리고 모양 바꾸기를 연습합니다. 핵심은 "뷰(view)냐 복사본(copy)이냐"
입니다. `view`, `squeeze`처럼 모양만 바꾸는 연산은 새 메모리를 잡지 않고 원래 텐서의 데이터를
그대로 함께 씁니다. 메모리를 아끼는 대신, 결과에 값을 쓰면 원본도 함께 바뀝니다. `view`는 메모리가
연속(contiguous)일 때만 쓸 수 있고, 전치한 텐서처럼 연속이 아닌 텐서에는 `reshape`(필요하면 복사)
이나 `contiguous()`가 필요합니다.

This chapter practises addition, element-wise multiplication, matrix products and changes of
shape. The point to learn is view versus copy. Operations that only change the shape, such as
`view` and `squeeze`, allocate nothing: they reuse the original tensor's data. That saves memory,
but a write into the result also changes the original. `view` only works when the memory layout
is contiguous; a non-contiguous tensor (a transposed one, say) needs `reshape` (which copies when
it has to) or `contiguous()` first.
"""
import torch


def add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """두 텐서의 합 / The sum of two tensors.

    과제 / Task:
        `a`와 `b`를 원소별로 더한 새 텐서를 돌려주세요. 입력은 바꾸지 마세요.
        Return a new tensor holding the element-wise sum of `a` and `b`. Leave the inputs as
        they are.

    입력 / Input:
        a, b: 같은 모양(또는 broadcast 가능한 모양)의 `torch.Tensor` / tensors of the same (or a
        broadcastable) shape.

    출력 / Output:
        `torch.Tensor`; 정수끼리 더하면 int64 그대로 / integer inputs stay int64.

    예시 / Example:
        >>> add(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[5, 6], [7, 8]]))
        tensor([[ 6,  8],
                [10, 12]])

    주의 / Watch out:
        `a += b`나 `a.add_(b)`는 입력 `a`를 바꿔 버립니다.
        `a += b` or `a.add_(b)` would change the input `a`.
    """
    # BEGIN SOLUTION
    return torch.add(a, b)
    # END SOLUTION


def mul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """원소별 곱 / The element-wise product.

    과제 / Task:
        `a`와 `b`의 같은 자리 원소끼리 곱한 새 텐서를 돌려주세요 (행렬곱이 아닙니다).
        Return a new tensor whose elements are the products of the elements of `a` and `b` at
        the same position (this is not the matrix product).

    입력 / Input:
        a, b: 같은 모양(또는 broadcast 가능한 모양)의 `torch.Tensor` / tensors of the same (or a
        broadcastable) shape.

    출력 / Output:
        `torch.Tensor`; 정수끼리 곱하면 int64 그대로 / integer inputs stay int64.

    예시 / Example:
        >>> mul(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[5, 6], [7, 8]]))
        tensor([[ 5, 12],
                [21, 32]])

    주의 / Watch out:
        `@`나 `torch.matmul`은 행렬곱이므로 여기서는 틀린 답입니다.
        `@` and `torch.matmul` compute the matrix product, which is the wrong answer here.
    """
    # BEGIN SOLUTION
    return torch.mul(a, b)
    # END SOLUTION


def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """행렬곱 / The matrix product.

    과제 / Task:
        `torch.matmul`과 같은 규칙으로 `a`와 `b`의 행렬곱을 돌려주세요. 배치(3차원 이상)와
        broadcast되는 입력도 처리해야 합니다.
        Return the matrix product of `a` and `b` with the rules of `torch.matmul`, batched and
        broadcast inputs included.

    입력 / Input:
        a: 모양 (..., n, k) / shape (..., n, k).
        b: 모양 (..., k, m) / shape (..., k, m).

    출력 / Output:
        모양 (..., n, m)의 `torch.Tensor` / a tensor of shape (..., n, m).

    예시 / Example:
        >>> matmul(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[5, 6], [7, 8]]))
        tensor([[19, 22],
                [43, 50]])

    주의 / Watch out:
        `torch.mm`은 2차원 행렬만 받으므로 배치 입력에서 실패합니다. `*`는 원소별 곱입니다.
        `torch.mm` only accepts 2-D matrices, so it fails on batched inputs. `*` is the
        element-wise product.
    """
    # BEGIN SOLUTION
    return torch.matmul(a, b)
    # END SOLUTION


def flatten_row(t: torch.Tensor) -> torch.Tensor:
    """한 줄짜리 뷰 / A one-row view.

    과제 / Task:
        연속(contiguous) 텐서 `t`를 모양 (1, t.numel())로 바꾸되, 복사하지 말고 `t`와 메모리를
        공유하는 뷰로 돌려주세요.
        Reshape the contiguous tensor `t` to shape (1, t.numel()) without copying: return a
        view that shares memory with `t`.

    입력 / Input:
        t: 연속인 `torch.Tensor` / a contiguous `torch.Tensor`.

    출력 / Output:
        모양 (1, t.numel())이고 `t`와 메모리를 공유하는 텐서 / a tensor of shape
        (1, t.numel()) sharing memory with `t`.

    예시 / Example:
        >>> a = torch.tensor([[1, 2], [3, 4]])
        >>> row = flatten_row(a)
        >>> row[0, 0] = 10
        >>> a
        tensor([[10,  2],
                [ 3,  4]])

    주의 / Watch out:
        `clone()`이나 `torch.tensor(...)`로 새로 만들면 값은 맞아도 메모리를 공유하지 않습니다.
        A copy (`clone()`, a new `torch.tensor(...)`) has the right values but does not share
        memory.
    """
    # BEGIN SOLUTION
    return t.view(1, t.numel())
    # END SOLUTION


def to_column(t: torch.Tensor) -> torch.Tensor:
    """열 벡터로 바꾸기 / Reshape into a column.

    과제 / Task:
        `t`의 원소를 행 우선(row-major) 순서로 늘어놓아 모양 (t.numel(), 1)인 텐서를 돌려주세요.
        `t`가 연속이 아니어도(예: 전치한 텐서) 동작해야 합니다.
        Return a tensor of shape (t.numel(), 1) holding the elements of `t` in row-major order.
        It must also work when `t` is not contiguous (a transposed tensor, say).

    입력 / Input:
        t: 아무 모양의 `torch.Tensor` (연속이 아닐 수 있음) / a tensor of any shape, possibly
        non-contiguous.

    출력 / Output:
        모양 (t.numel(), 1)의 `torch.Tensor` / a tensor of shape (t.numel(), 1).

    예시 / Example:
        >>> to_column(torch.tensor([[1, 2], [3, 4]]).t())
        tensor([[1],
                [3],
                [2],
                [4]])

    주의 / Watch out:
        `view`는 연속이 아닌 텐서에서 RuntimeError를 냅니다. 전치한 텐서의 행 우선 순서는
        메모리에 저장된 순서와 다릅니다.
        `view` raises a RuntimeError on a non-contiguous tensor. The row-major order of a
        transposed tensor is not the order its elements are stored in.
    """
    # BEGIN SOLUTION
    return t.reshape(t.numel(), 1)
    # END SOLUTION


def squeeze_all(t: torch.Tensor) -> torch.Tensor:
    """크기 1인 차원 모두 없애기 / Drop every dimension of size 1.

    과제 / Task:
        `t`에서 크기가 1인 차원을 모두 없앤 텐서를 돌려주세요. 결과는 `t`와 메모리를 공유해야
        합니다.
        Return `t` without any dimension of size 1. The result must share memory with `t`.

    입력 / Input:
        t: `torch.Tensor`.

    출력 / Output:
        `t`와 메모리를 공유하는 `torch.Tensor`; (1, 3, 1, 4) → (3, 4), (1, 1, 3) → (3,)
        / a tensor sharing memory with `t`.

    예시 / Example:
        >>> a = torch.tensor([[[1, 2, 3]]])
        >>> s = squeeze_all(a)
        >>> s.shape
        torch.Size([3])
        >>> s[0] = 10
        >>> a
        tensor([[[10,  2,  3]]])

    주의 / Watch out:
        크기 1인 차원이 여러 개일 수 있습니다. 한 축만 지우면 모자랍니다. 값을 복사해 새로 만들면
        메모리 공유가 깨집니다.
        There may be several dimensions of size 1: removing only one axis is not enough. Building
        a new tensor from the values breaks the memory sharing.
    """
    # BEGIN SOLUTION
    return t.squeeze()
    # END SOLUTION
