"""Reference results cached by input (grading/refcache.py): a hit is indistinguishable from a call."""
from __future__ import annotations

import textwrap

import pytest
import torch

from torchdrill.grading import refcache
from torchdrill.grading.plugin import load_reference

REFERENCE = textwrap.dedent('''
    import time
    import torch

    def fit(model, x, y, lr=0.1, epochs=5):
        time.sleep(0.003)                  # slow enough to be worth caching
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(epochs):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    def noisy(n):
        time.sleep(0.003)
        return torch.randn(n)

    def same(x):
        time.sleep(0.003)
        return x

    def double(x):
        time.sleep(0.003)
        return x * 2
''')


@pytest.fixture
def reference(tmp_path):
    refcache._cache.clear()
    refcache._policy.clear()
    refcache._slow.clear()
    refcache.stats.clear()
    path = tmp_path / "ref.py"
    path.write_text(REFERENCE)
    return refcache.CachedReference(load_reference(path), path), load_reference(path)


def _model():
    torch.manual_seed(3)
    return torch.nn.Linear(2, 1)


def test_a_hit_trains_the_callers_model_like_the_call(reference):
    cached, plain = reference
    x, y = torch.randn(6, 2, generator=torch.Generator().manual_seed(1)), torch.ones(6, 1)
    want_model = _model()
    want = plain.fit(want_model, x, y)
    for _ in range(3):
        model = _model()
        assert cached.fit(model, x, y) == want
        for p, q in zip(model.parameters(), want_model.parameters(), strict=True):
            assert torch.equal(p, q) and torch.equal(p.grad, q.grad)
    assert refcache.stats["hit"] == 2


def test_the_global_generator_is_part_of_the_key_and_left_as_the_call_leaves_it(reference):
    cached, plain = reference
    torch.manual_seed(5)
    want, want_after = plain.noisy(3), torch.randn(2)
    for _ in range(2):
        torch.manual_seed(5)
        assert torch.equal(cached.noisy(3), want)
        assert torch.equal(torch.randn(2), want_after)
    torch.manual_seed(6)
    assert not torch.equal(cached.noisy(3), want)


def test_results_that_alias_an_argument_are_never_cached(reference):
    cached, _plain = reference
    x = torch.ones(2)
    for _ in range(2):
        assert cached.same(x) is x
    assert refcache.stats["hit"] == 0


def test_a_hit_is_a_copy(reference):
    cached, _plain = reference
    x = torch.ones(2)
    first = cached.double(x)
    first.add_(100)                        # the grader changes what it got
    assert torch.equal(cached.double(x), torch.full((2,), 2.0))


def test_watched_calls_are_plain_calls(reference):
    cached, _plain = reference
    seen = []
    model = _model()
    model.weight.register_post_accumulate_grad_hook(lambda p: seen.append(1))
    x, y = torch.ones(4, 2), torch.zeros(4, 1)
    cached.fit(model, x, y, epochs=2)
    model2 = _model()
    model2.weight.register_post_accumulate_grad_hook(lambda p: seen.append(1))
    cached.fit(model2, x, y, epochs=2)
    assert len(seen) == 4 and refcache.stats["hit"] == 0
