"""The compiled time loops of engine/kernels/recurrent.py against the NumPy reference of ops/recurrent.py.

test_ops_recurrent.py runs its PyTorch, finite-difference and masking tests on both paths; here the
two paths run the same inputs and must give the same outputs, final states and gradients, for every
primitive, float32 and float64, with and without padding, with and without initial-state gradients.
"""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine import kernels
from deepgrad.engine.ops import recurrent

pytest.importorskip("numba")

GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def padding_mask(n, t):
    """Right and left padding, a row with no real step, a gap, and a full row."""
    mask = np.ones((n, t), bool)
    mask[0, 6:], mask[1, :3], mask[2, :], mask[3, 4] = False, False, False, False
    return mask


def run(kind, activation, inputs, mask, dtype, initial_grads):
    """Every output of the primitive, then the gradient of every input that takes one, for random
    upstream gradients."""
    x, h0, c0, w_hh, b_hh, w_ih = (dg.tensor(v, dtype=dtype, requires_grad=i not in (1, 2) or initial_grads)
                                   for i, v in enumerate(inputs))
    if kind == "lstm":
        results, used = recurrent.lstm(x, h0, c0, w_ih, w_hh, b_hh, mask=mask), (x, h0, c0, w_ih, w_hh, b_hh)
    elif kind == "gru":
        results, used = recurrent.gru(x, h0, w_hh, b_hh, mask=mask), (x, h0, w_hh, b_hh)
    else:
        results, used = recurrent.simple_rnn(x, h0, w_hh, activation, mask=mask), (x, h0, w_hh)
    rng = np.random.default_rng(1)
    loss = sum((r * dg.tensor(rng.standard_normal(r.shape), dtype=dtype)).sum() for r in results)
    loss.backward()
    return [r.numpy() for r in results] + [t.grad.numpy() for t in used if t.requires_grad]


def both_paths(kind, activation="tanh", n=5, t=9, u=6, mask=None, dtype="float32", initial_grads=True):
    """{"compiled": results, "numpy": results} of one case."""
    rng = np.random.default_rng(0)
    g = GATES[kind] * u
    features = 3 if kind == "lstm" else g  # lstm takes x and weight_ih, the others x_projected
    shapes = ((n, t, features), (n, u), (n, u), (u, g), (g,), (features, g))
    inputs = [rng.standard_normal(shape) for shape in shapes]
    inputs[3] /= np.sqrt(u)  # a stable recurrence, as with orthogonal weight_hh: float32 rounding is not amplified
    paths = {}
    for path in ("compiled", "numpy"):
        with kernels.use_compiled(path == "compiled"):
            paths[path] = run(kind, activation, inputs, mask, dtype, initial_grads)
    return paths


CASES = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid"), ("rnn", "linear")]


@pytest.mark.parametrize("kind,activation", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("padded", [False, True], ids=["unmasked", "masked"])
def test_compiled_loops_match_the_numpy_reference(kind, activation, dtype, padded):
    paths = both_paths(kind, activation, mask=padding_mask(5, 9) if padded else None, dtype=dtype)
    close = dict(rtol=2e-5, atol=2e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    expected = {"lstm": 3 + 6, "gru": 2 + 4, "rnn": 2 + 3}[kind]  # outputs and final states, then gradients
    assert len(paths["compiled"]) == len(paths["numpy"]) == expected
    for compiled, reference in zip(paths["compiled"], paths["numpy"]):
        assert compiled.dtype == reference.dtype == np.dtype(dtype)
        np.testing.assert_allclose(compiled, reference, **close)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_without_initial_state_gradients_both_paths_agree(kind):
    paths = both_paths(kind, n=3, t=6, u=4, mask=padding_mask(5, 9)[:3, :6], initial_grads=False)
    assert len(paths["compiled"]) == len(paths["numpy"])
    for compiled, reference in zip(paths["compiled"], paths["numpy"]):
        np.testing.assert_allclose(compiled, reference, rtol=2e-5, atol=2e-5)


def test_the_lstm_of_the_benchmark_agrees_over_50_steps():
    paths = both_paths("lstm", n=64, t=50, u=128)
    for compiled, reference in zip(paths["compiled"], paths["numpy"]):
        scale = np.abs(reference).max()
        np.testing.assert_allclose(compiled, reference, rtol=0, atol=2e-5 * scale)


def compiled_tanh(x):
    """tanh of every element of the 1-D array x through the compiled SimpleRNN (zero weights, h0 = 0)."""
    from deepgrad.engine.kernels.recurrent import simple_rnn_forward

    states = np.zeros((2, 1, x.size), x.dtype)
    simple_rnn_forward(x.reshape(1, 1, -1), np.zeros((1, 1), x.dtype), 0, None, states)
    return states[1, 0]


SPECIAL = [0.0, 0.625, -0.625, 0.6249999999999999, 1e-30, -1e-30, np.inf, -np.inf, np.nan]


def test_the_float32_tanh_is_within_3e_7_of_the_true_value():
    x = np.concatenate([np.linspace(-12, 12, 200_001), SPECIAL]).astype(np.float32)
    np.testing.assert_allclose(compiled_tanh(x), np.tanh(x.astype(np.float64)), rtol=0, atol=3e-7)


def test_the_float64_tanh_is_within_2_units_in_the_last_place():
    tiny = np.geomspace(1e-300, 1, 10_000)
    x = np.concatenate([np.linspace(-25, 25, 200_001), tiny, -tiny, SPECIAL])
    np.testing.assert_allclose(compiled_tanh(x), np.tanh(x), rtol=2.5 * np.finfo(np.float64).eps, atol=0)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_arrays_kept_from_one_call_survive_the_next_and_memory_is_reused(compiled):
    with kernels.use_compiled(compiled):
        x, h0, w, w_ih = dg.randn(4, 6, 3), dg.zeros((4, 2)), dg.randn(2, 8), dg.randn(3, 8)
        first = recurrent.lstm(x, h0, h0, w_ih, w)[0]
        kept = first.numpy().copy()
        second = recurrent.lstm(x * 2.0, h0, h0, w_ih, w)[0]
        np.testing.assert_array_equal(first.numpy(), kept)
        assert not np.array_equal(second.numpy(), kept)
        addresses = {out.data.__array_interface__["data"][0] for out in (first, second)}
        del first, second
        third = recurrent.lstm(x, h0, h0, w_ih, w)[0]
        assert third.data.__array_interface__["data"][0] in addresses  # memory of a call that is gone
        np.testing.assert_array_equal(third.numpy(), kept)
