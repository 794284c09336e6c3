"""ex07 Optimization & Loss / 최적화와 손실 함수

경사 하강법 학습 루프를 손으로 써 봅니다. 한 번의 반복은 네 단계입니다: 예측(forward) →
손실 계산 → `backward()`로 기울기 계산 → 가중치 갱신. 갱신은 `torch.no_grad()` 안에서 제자리
연산으로 해야 그래프에 기록되지 않고 `w`가 잎 텐서로 남습니다. 그리고 기울기는 쌓이므로
(ex06) 갱신한 뒤에 초기화합니다.

데이터 x = [1, 2, 3], y = [2, 4, 6] (정답은 w = 2), 초깃값 w = 1.0, 학습률 0.01로 100번
반복하면 float32에서 w = 1.9999443292617798이 됩니다. 초기화를 잊으면 1.1603174...에 머뭅니다.

This chapter writes the gradient-descent loop by hand. One iteration has four steps: predict
(forward) → compute the loss → `backward()` for the gradient → update the weight. The update
must happen in place inside `torch.no_grad()`, so that it is not recorded and `w` stays a leaf
tensor. Gradients accumulate (ex06), so reset them after the update.

On x = [1, 2, 3], y = [2, 4, 6] (the answer is w = 2), starting from w = 1.0 with learning rate
0.01, 100 iterations reach w = 1.9999443292617798 in float32. Forgetting the reset stalls at
1.1603174...
"""
import torch


def loss_fn(y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """평균 제곱 오차 / Mean squared error.

    과제 / Task:
        `y_pred`와 `y_true`의 차이를 제곱해서 모든 원소에 대해 평균을 낸 값을 돌려주세요.
        결과는 `y_pred`에 대해 미분할 수 있어야 합니다.
        Return the mean, over all elements, of the squared difference between `y_pred` and
        `y_true`. The result must be differentiable with respect to `y_pred`.

    입력 / Input:
        y_pred: 예측값 텐서 (requires_grad일 수 있음) / predictions (may require grad).
        y_true: 같은 모양의 정답 텐서 / targets of the same shape.

    출력 / Output:
        0차원 텐서 / a 0-dim tensor.

    예시 / Example:
        >>> loss_fn(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0]))
        tensor(4.6667)

    주의 / Watch out:
        합(sum)이 아니라 평균입니다. `.item()`이나 `float(...)`으로 바꾸면 그래프가 끊겨
        `backward()`를 할 수 없습니다.
        The mean, not the sum. Turning the result into a number (`.item()`, `float(...)`) cuts
        the graph, and `backward()` is no longer possible.
    """
    # BEGIN SOLUTION
    return ((y_pred - y_true) ** 2).mean()
    # END SOLUTION


def train_step(w: torch.Tensor, x: torch.Tensor, y_true: torch.Tensor, lr: float) -> float:
    """경사 하강법 한 걸음 / One step of gradient descent.

    과제 / Task:
        잎 텐서 `w`로 한 번 학습하세요: 예측 `w * x` → `loss_fn`으로 손실 → `backward()` →
        `torch.no_grad()` 안에서 `w`를 제자리에서 lr × 기울기만큼 빼서 갱신 → 기울기 초기화.
        갱신하기 **전**의 손실을 float로 돌려주세요. 끝난 뒤에도 `w`는 미분을 추적하는 잎 텐서이고,
        기울기는 0이거나 None이어야 합니다.
        Take one training step on the leaf tensor `w`: predict `w * x` → the loss with `loss_fn`
        → `backward()` → inside `torch.no_grad()`, update `w` in place by subtracting lr times its
        gradient → reset the gradient. Return the loss from **before** the update, as a float.
        Afterwards `w` is still a leaf that requires grad, and its gradient is zero or None.

    입력 / Input:
        w: requires_grad인 0차원 잎 텐서, 기울기는 None 또는 0 / a 0-dim leaf tensor that
        requires grad, with a gradient that is None or zero. 이 함수가 제자리에서 바꿉니다 /
        this function changes it in place.
        x, y_true: 같은 모양의 데이터 텐서 / data tensors of the same shape.
        lr: 학습률 / the learning rate.

    출력 / Output:
        갱신 전 손실 (float) / the loss before the update, as a float.

    예시 / Example:
        >>> w = torch.tensor(1.0, requires_grad=True)
        >>> train_step(w, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0]), 0.01)
        4.666666507720947
        >>> w
        tensor(1.0933, requires_grad=True)

    주의 / Watch out:
        손실은 위에 있는 `loss_fn`을 불러서 계산하세요. `no_grad` 밖에서 제자리 갱신을 하면
        RuntimeError가 나고, `w = w - ...`처럼 새 텐서를 만들면 호출한 쪽의 `w`가 바뀌지 않습니다.
        초기화를 `backward()`와 갱신 사이에 하면 `w`가 전혀 움직이지 않습니다.
        Compute the loss by calling `loss_fn` above. An in-place update outside `no_grad` raises
        a RuntimeError, and building a new tensor (`w = w - ...`) leaves the caller's `w`
        unchanged. Resetting between `backward()` and the update means `w` never moves.
    """
    # BEGIN SOLUTION
    y_pred = w * x
    loss = loss_fn(y_pred, y_true)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad.zero_()
    return loss.item()
    # END SOLUTION


def train(
    x: torch.Tensor, y_true: torch.Tensor, lr: float = 0.01, epochs: int = 100, w0: float = 1.0
) -> torch.Tensor:
    """학습 루프 / The training loop.

    과제 / Task:
        `x`와 같은 장치에 초깃값 `w0`인 0차원 잎 텐서 w를 만들고 (dtype은 float32, 또는 `x`가
        실수이면 `x`의 dtype) `train_step`을 `epochs`번 불러 학습한 뒤 w를 돌려주세요.
        Create a 0-dim leaf tensor w with value `w0` on the device of `x` (float32, or the dtype
        of `x` when `x` is floating-point), call `train_step` `epochs` times, and return w.

    입력 / Input:
        x, y_true: 같은 모양의 데이터 텐서 / data tensors of the same shape.
        lr: 학습률 / the learning rate (기본 / default 0.01).
        epochs: 반복 횟수 / the number of steps (기본 / default 100).
        w0: w의 초깃값 / the initial value of w (기본 / default 1.0).

    출력 / Output:
        `x.device`에 있고 requires_grad인 0차원 잎 텐서 w / the 0-dim leaf tensor w on
        `x.device`, requiring grad.

    예시 / Example:
        >>> w = train(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0]))
        >>> w.item()
        1.9999443292617798

    주의 / Watch out:
        한 걸음은 위의 `train_step`을 불러서 하세요. `lr`, `epochs`, `w0`를 무시하거나 숫자를
        고정하지 마세요. w는 `x`와 같은 장치에 만들어야 합니다.
        Take each step by calling `train_step` above. Do not ignore `lr`, `epochs` or `w0`, and
        do not hard-code numbers. Create w on the device of `x`.
    """
    # BEGIN SOLUTION
    dtype = x.dtype if x.is_floating_point() else torch.float32
    w = torch.tensor(w0, dtype=dtype, device=x.device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
    # END SOLUTION
