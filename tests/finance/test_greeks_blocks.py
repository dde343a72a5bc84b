"""greeks() works through large books in blocks of options: the same numbers as all at once."""

import sys

import numpy as np
import pytest

from sciad.finance import OptionInputError, greeks

# sciad.finance.greeks is the function; the module behind it:
greeks_module = sys.modules["sciad.finance.greeks"]

FIELDS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm",
          "speed")


def book(shape, seed=1):
    rng = np.random.default_rng(seed)
    return dict(S=rng.uniform(50, 150, shape), K=rng.uniform(50, 150, shape),
                T=rng.uniform(0.05, 3, shape), r=rng.uniform(0, 0.06, shape),
                sigma=rng.uniform(0.1, 0.6, shape), q=rng.uniform(0, 0.03, shape))


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_blocks_give_the_same_greeks_as_one_pass(monkeypatch, kind, order):
    args = book((3, 7))
    whole = greeks(**args, kind=kind, order=order)
    monkeypatch.setattr(greeks_module, "_BLOCK", 4)  # 21 options: blocks of 4, the last of 1
    blocked = greeks(**args, kind=kind, order=order)
    for name in FIELDS:
        a, b = getattr(whole, name), getattr(blocked, name)
        if a is None:
            assert b is None, name
            continue
        assert b.shape == (3, 7), name
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-15, err_msg=name)


def test_blocks_with_broadcast_inputs_and_other_models(monkeypatch):
    K = np.linspace(80, 120, 9)
    whole = greeks(100.0, K, 1.0, 0.03, 0.25, model="black76", kind="put", order=2)
    monkeypatch.setattr(greeks_module, "_BLOCK", 2)
    blocked = greeks(100.0, K, 1.0, 0.03, 0.25, model="black76", kind="put", order=2)
    for name in ("price", "delta", "gamma", "vega", "vanna", "volga", "charm"):
        np.testing.assert_allclose(getattr(blocked, name), getattr(whole, name), rtol=1e-14)
    assert blocked.delta.shape == (9,)


def test_an_error_in_a_later_block_counts_every_bad_option(monkeypatch):
    args = book(10)
    args["sigma"][[6, 8, 9]] = -0.1  # all in the last blocks
    monkeypatch.setattr(greeks_module, "_BLOCK", 4)
    with pytest.raises(OptionInputError, match=r"volatility sigma must be > 0.*first of 3 bad"):
        greeks(**args, order=2)


@pytest.mark.parametrize("block", [4, 65536])
def test_inputs_left_alone_and_results_their_own(monkeypatch, block):
    args = book(10)
    before = {name: value.copy() for name, value in args.items()}
    monkeypatch.setattr(greeks_module, "_BLOCK", block)
    g = greeks(**args, order=3)
    for name, value in args.items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    for name in FIELDS:
        result = getattr(g, name)
        assert result.flags.writeable, name
        assert not any(np.shares_memory(result, value) for value in args.values()), name
