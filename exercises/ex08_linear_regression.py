"""ex08 Linear Regression / 선형 회귀

ex07에서 손으로 쓴 루프를 PyTorch의 도구로 다시 씁니다. `torch.nn.Linear`가 가중치와 편향을
가진 모델 y = xWᵀ + b를 만들고, `torch.nn.MSELoss`가 평균 제곱 오차를 계산하고,
`torch.optim.SGD`가 "no_grad 안에서 w -= lr × 기울기" 갱신을 모든 매개변수에 대신 해 줍니다.
반복마다 순서는 같습니다: 기울기 초기화(`zero_grad`) → 예측 → 손실 → `backward` → `step`.
학습이 끝난 모델로 예측할 때에는 그래프가 필요 없으므로 `torch.no_grad()`를 씁니다.

Here the hand-written loop of ex07 is rewritten with PyTorch's own tools. `torch.nn.Linear` is the
model y = xWᵀ + b with a weight and a bias, `torch.nn.MSELoss` computes the mean squared error,
and `torch.optim.SGD` performs the "w -= lr × gradient under no_grad" update for every parameter.
Each iteration keeps the same order: reset the gradients (`zero_grad`) → predict → loss →
`backward` → `step`. Predicting with the trained model needs no graph, so use `torch.no_grad()`.
"""
import torch


def make_model(in_features: int = 1, out_features: int = 1) -> torch.nn.Linear:
    """선형 모델 만들기 / Build a linear model.

    과제 / Task:
        입력 특성 `in_features`개, 출력 `out_features`개인 `torch.nn.Linear` 모델을 만들어
        돌려주세요 (편향 포함).
        Build and return a `torch.nn.Linear` model with `in_features` inputs and `out_features`
        outputs (with a bias).

    입력 / Input:
        in_features: int (기본 / default 1).
        out_features: int (기본 / default 1).

    출력 / Output:
        `torch.nn.Linear`.

    예시 / Example:
        >>> model = make_model()
        >>> model.weight.shape, model.bias.shape
        (torch.Size([1, 1]), torch.Size([1]))

    주의 / Watch out:
        인자의 순서는 (입력 수, 출력 수)입니다. 편향을 빼면 y = 2x + 1 같은 데이터를 맞출 수
        없습니다.
        The arguments come in the order (inputs, outputs). Without the bias the model cannot fit
        data such as y = 2x + 1.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")


def fit(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float = 0.1, epochs: int = 200
) -> list[float]:
    """모델 학습 / Train the model.

    과제 / Task:
        `torch.nn.MSELoss`와 `torch.optim.SGD`(학습률 `lr`)로 `model`을 `epochs`번 학습하세요.
        반복마다: 기울기 초기화 → 예측 → 손실 → `backward` → `step`. 각 반복의 손실(갱신 전)을
        float로 모아 돌려주세요. 모델은 제자리에서 학습되며, 모델과 데이터가 있는 장치에서
        계산합니다.
        Train `model` for `epochs` iterations with `torch.nn.MSELoss` and `torch.optim.SGD`
        (learning rate `lr`). Each iteration: reset the gradients → predict → loss → `backward`
        → `step`. Return the loss of every iteration (before its update) as floats. The model is
        trained in place, on the device where the model and the data are.

    입력 / Input:
        model: 아직 기울기가 없는 새 모델 (예: `make_model()`) / a fresh model with no gradients
        yet (e.g. `make_model()`).
        x: 모양 (N, in_features)의 입력 / inputs of shape (N, in_features).
        y: 모양 (N, out_features)의 정답 / targets of shape (N, out_features).
        lr: 학습률 / the learning rate (기본 / default 0.1).
        epochs: 반복 횟수 / the number of iterations (기본 / default 200).

    출력 / Output:
        길이 `epochs`인 float 리스트 / a list of `epochs` floats.

    예시 / Example:
        >>> x = torch.linspace(-1, 1, 50).unsqueeze(1)
        >>> model = make_model()
        >>> losses = fit(model, x, 2 * x + 1)
        >>> round(model.weight.item(), 2), round(model.bias.item(), 2)
        (2.0, 1.0)

    주의 / Watch out:
        반복마다 기울기를 초기화하지 않으면 쌓여서 학습이 틀어집니다 (ex06). 리스트에 손실 텐서를
        그대로 넣으면 그래프가 계속 붙잡혀 있으니 float로 바꾸세요. `y`의 모양이 모델 출력과 다르면
        (예: (N,)와 (N, 1)) 손실이 broadcast되어 엉뚱한 값이 됩니다.
        Without a reset every iteration the gradients pile up and training goes wrong (ex06).
        Appending the loss tensors themselves keeps their graphs alive: store floats. A `y`
        whose shape differs from the model's output ((N,) against (N, 1), say) makes the loss
        broadcast into a meaningless value.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")


def predict(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """학습한 모델로 예측 / Predict with a trained model.

    과제 / Task:
        기울기를 추적하지 않고 `model(x)`를 계산해 돌려주세요. 모델은 받은 그대로 두어야 합니다:
        매개변수의 값과 `requires_grad`, 그리고 학습/평가 모드(`model.training`)가 바뀌면 안 됩니다.
        Compute and return `model(x)` without tracking gradients. Leave the model as it came: its
        parameters' values and `requires_grad`, and its train/eval mode (`model.training`), must not
        change.

    입력 / Input:
        model: `torch.nn.Module` (예: 학습한 `torch.nn.Linear`) / e.g. a trained
        `torch.nn.Linear`.
        x: 모양 (N, in_features)의 입력 / inputs of shape (N, in_features).

    출력 / Output:
        requires_grad가 False인 모델의 출력 텐서 / the model's outputs, a tensor whose
        requires_grad is False.

    예시 / Example:
        >>> model = make_model()
        >>> predict(model, torch.tensor([[1.0], [2.0]])).requires_grad
        False

    주의 / Watch out:
        모델의 매개변수는 requires_grad이므로 그냥 부르면 그래프가 만들어집니다. 결과를 나중에
        떼어 내는 것보다 처음부터 기록하지 않는 것이 맞습니다 (ex05). `model.eval()`과
        `model.train()`은 호출한 쪽의 모델 모드를 바꿉니다. 모드를 바꿨다면 원래 모드로 되돌려
        놓으세요. `torch.set_grad_enabled(False)`를 문장으로 부르면 이 함수가 끝난 뒤에도 기록이
        꺼진 채로 남습니다. 결과는 모델과 `x`가 있는 장치에 두세요.
        The model's parameters require grad, so a plain call builds a graph. Not recording it in
        the first place is the right way, rather than detaching afterwards (ex05).
        `model.eval()` and `model.train()` change the caller's model: if you switch the mode, put
        the original one back. `torch.set_grad_enabled(False)` called as a statement leaves
        recording off after this function returns. Keep the result on the device of the model
        and `x`.
    """
    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")
