"""The autograd engine: backward, graph release, grad modes, dg.grad, in-place rules, anomalies, gradient checks."""

import gc
import inspect
import os
import tracemalloc
import weakref

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.autograd import record

THIS_FILE = os.path.basename(__file__)


def _next_line():
    """The line number just after the caller's current line."""
    return inspect.currentframe().f_back.f_lineno + 1


def _visit_once(a):
    """An identity op whose backward fails if it is ever called a second time."""
    calls = []

    def backward(grad):
        assert not calls, "backward of one node was called twice"
        calls.append(1)
        return (grad,)

    return record(a.data.copy(), (a,), backward, "visit_once"), calls


# --- backward -----------------------------------------------------------------------------------
def test_backward_accumulates_across_calls():
    values = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    x = dg.tensor(values, requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * values)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * values)


def test_tensor_used_several_times_gets_the_sum():
    values = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    x = dg.tensor(values, requires_grad=True)
    (x * x + x * 3.0 + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * values + 4, rtol=1e-6)


def test_backward_on_a_leaf():
    x = dg.tensor(2.5, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0
    x.backward()
    assert x.grad.item() == 2.0


def test_non_scalar_backward_needs_grad_of_its_shape():
    x = dg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    with pytest.raises(dg.GradientError, match=r"grad=") as info:
        (x * 2.0).backward()
    assert "(1, 3)" in str(info.value)
    with pytest.raises(dg.GradientError) as info:
        (x * 2.0).backward(dg.ones(3))
    assert "(3,)" in str(info.value) and "(1, 3)" in str(info.value)
    seed = np.array([[0.1, -1.0, 2.0]], dtype=np.float32)
    (x * x).backward(dg.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * seed, rtol=1e-6)


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(dg.GradientError, match="requires_grad"):
        (dg.tensor([1.0, 2.0]) * 2.0).sum().backward()


# --- traversal ----------------------------------------------------------------------------------
def test_long_chain_backpropagates_without_recursion():
    x = dg.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**100_000, rel=1e-9)


def test_fan_in_visits_shared_node_once():
    x = dg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    shared, calls = _visit_once(x)
    factors = np.arange(1.0, 51.0)
    total = shared * factors[0]
    for factor in factors[1:]:
        total = total + shared * factor
    total.sum().backward()
    assert calls == [1]
    np.testing.assert_allclose(x.grad.numpy(), np.full(2, factors.sum()))


def test_doubling_graph_is_linear_not_exponential():
    """60 levels of y = y + y: a naive recursive traversal would take 2**60 steps."""
    x = dg.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    counters = []
    for _ in range(60):
        y, calls = _visit_once(y + y)
        counters.append(calls)
    y.backward()
    assert all(calls == [1] for calls in counters)
    assert x.grad.item() == 2.0**60


# --- graph release ------------------------------------------------------------------------------
def test_second_backward_needs_retain_graph():
    values = np.array([0.5, 1.0], dtype=np.float32)
    x = dg.tensor(values, requires_grad=True)
    loss = dg.exp(x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(values), rtol=1e-6)
    with pytest.raises(dg.GradientError, match="retain_graph"):
        loss.backward()


@pytest.mark.parametrize("retain_graph", [False, True])
def test_backward_releases_links_and_saved_tensors(retain_graph):
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    hidden = dg.exp(x)
    hidden_ref = weakref.ref(hidden)
    scaled = hidden * 3.0
    loss = scaled.sum()
    del hidden
    gc.collect()
    assert hidden_ref() is not None  # the graph keeps it alive until backward
    loss.backward(retain_graph=retain_graph)
    gc.collect()
    assert (hidden_ref() is not None) == retain_graph
    assert (scaled._parents == () and loss._parents == ()) == (not retain_graph)


def _train_tiny_mlp(keep_losses, iterations=1000):
    """Traced memory after iteration 100 and after the last one, for a raw-ops training loop."""
    dg.manual_seed(0)
    x, target = dg.randn(64, 16), dg.randn(64, 1)
    w1, b1 = dg.randn(16, 64, requires_grad=True), dg.zeros(64, requires_grad=True)
    w2 = dg.randn(64, 1, requires_grad=True)
    kept, marks = [], []
    for step in range(1, iterations + 1):
        hidden = dg.tanh(x @ w1 + b1)
        loss = ((hidden @ w2 - target) ** 2).mean()
        loss.backward()
        with dg.no_grad():
            for p in (w1, b1, w2):
                p -= 0.01 * p.grad
                p.grad = None
        kept.append(loss if keep_losses else loss.item())
        if step in (100, iterations):
            gc.collect()
            marks.append(tracemalloc.get_traced_memory()[0])
    return marks


@pytest.mark.parametrize("keep_losses", [False, True])
def test_memory_does_not_grow_over_training(keep_losses):
    """Each iteration's graph holds ~50 KB of arrays; it must be freed even when the loss is kept."""
    tracemalloc.start()
    try:
        after_100, after_1000 = _train_tiny_mlp(keep_losses)
    finally:
        tracemalloc.stop()
    allowed = 900 * 2048 if keep_losses else 512 * 1024  # a kept loss is one scalar tensor
    assert after_1000 - after_100 < allowed


# --- grad modes ---------------------------------------------------------------------------------
def test_no_grad_context_manager_and_decorator():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with dg.no_grad():
        assert not dg.is_grad_enabled()
        y = x * 2.0
    assert dg.is_grad_enabled() and (x * 2.0).requires_grad
    assert not y.requires_grad and y.is_leaf

    @dg.no_grad()
    def double(t):
        return t * 2.0

    z = double(x)
    assert not z.requires_grad and z.is_leaf and dg.is_grad_enabled()
    np.testing.assert_allclose(z.numpy(), [2.0, 4.0])


def test_no_grad_decorator_is_reentrant():
    @dg.no_grad()
    def countdown(n):
        assert not dg.is_grad_enabled()
        if n:
            countdown(n - 1)

    with dg.enable_grad():  # restores grad mode on exit even if countdown breaks it
        countdown(2)
        assert dg.is_grad_enabled()


def test_no_grad_works_as_a_bare_decorator_too():
    @dg.no_grad
    def double(t):
        return t * 2

    out = double(dg.tensor(1.0, requires_grad=True))
    assert not out.requires_grad and dg.is_grad_enabled()


def test_nested_grad_modes_restore_state_also_after_exception():
    x = dg.tensor(1.0, requires_grad=True)
    with dg.no_grad():
        with dg.no_grad():
            pass
        assert not dg.is_grad_enabled()
        with dg.enable_grad():
            assert dg.is_grad_enabled()
            inner = x * 2.0
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()
    assert inner.requires_grad and not inner.is_leaf
    with pytest.raises(KeyError), dg.no_grad():
        raise KeyError("boom")
    assert dg.is_grad_enabled()


# --- dg.grad ------------------------------------------------------------------------------------
def test_grad_returns_list_and_leaves_dot_grad_alone():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, -1.0], requires_grad=True)
    grads = dg.grad((a * b).sum(), [a, b])
    assert isinstance(grads, list) and all(isinstance(g, dg.Tensor) for g in grads)
    np.testing.assert_allclose(grads[0].numpy(), b.numpy())
    np.testing.assert_allclose(grads[1].numpy(), a.numpy())
    assert a.grad is None and b.grad is None
    seed = np.array([1.0, 0.5], dtype=np.float32)
    (found,) = dg.grad(a * a, [a], grad_output=dg.tensor(seed))
    np.testing.assert_allclose(found.numpy(), 2 * a.numpy() * seed)


def test_grad_for_intermediate_tensor():
    x = dg.tensor([0.5, 1.5], requires_grad=True)
    hidden = dg.exp(x)
    (found,) = dg.grad((hidden * hidden).sum(), [hidden])
    np.testing.assert_allclose(found.numpy(), 2 * np.exp(x.numpy()), rtol=1e-6)
    assert x.grad is None


def test_grad_unused_input():
    x = dg.tensor(2.0, requires_grad=True)
    unused = dg.tensor(5.0, requires_grad=True)
    with pytest.raises(dg.GradientError, match="allow_unused"):
        dg.grad(x * x, [x, unused])
    found, missing = dg.grad(x * x, [x, unused], allow_unused=True)
    assert found.item() == 4.0 and missing is None


# --- in-place updates ---------------------------------------------------------------------------
def test_inplace_updates_of_leaves_inside_no_grad():
    p = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    storage = p.data
    (p * p).sum().backward()
    with dg.no_grad():
        p -= 0.5 * p.grad
        np.testing.assert_allclose(p.numpy(), [0.0, 0.0, 0.0])
        p[...] = dg.tensor([4.0, 5.0, 6.0])
        p *= 2
    assert p.data is storage and p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.numpy(), [8.0, 10.0, 12.0])


@pytest.mark.parametrize(
    "update", [lambda p: p.__isub__(1.0), lambda p: p.__imul__(2), lambda p: p.__setitem__(0, 3.0)]
)
def test_inplace_updates_refused_outside_no_grad(update):
    p = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(dg.GradientError):
        update(p)
    np.testing.assert_allclose(p.numpy(), [1.0, 2.0])


def test_inplace_updates_on_tensors_without_grad_work_anywhere():
    t = dg.tensor([1.0, 2.0])
    t -= 1.0
    t *= 3
    t[1] = 7.0
    with dg.no_grad():
        t += 1.0
    np.testing.assert_allclose(t.numpy(), [1.0, 8.0])


def test_leaf_gradients_are_independent_arrays():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, 4.0], requires_grad=True)
    seed = dg.tensor([1.0, 1.0])
    (a + b).backward(seed)
    a.grad.data += 10.0
    seed.data *= 0.0
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(a.grad.numpy(), [11.0, 11.0])


# --- dtypes and gradients -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: dg.tensor([1, 2], requires_grad=True), "int64"),
        (lambda: dg.zeros(3, dtype="int64", requires_grad=True), "int64"),
        (lambda: dg.tensor([1, 2]).requires_grad_(), "int64"),
        (lambda: dg.tensor([True, False], requires_grad=True), "bool"),
    ],
)
def test_requires_grad_on_integer_or_bool_tensor_raises(make, dtype):
    with pytest.raises(TypeError, match=dtype):
        make()


@pytest.mark.parametrize("compare", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_return_bool_without_grad(compare):
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    x = dg.tensor(values, requires_grad=True)
    result = getattr(x, compare)(dg.tensor([2.0, 2.0, 2.0]))
    assert result.dtype == np.bool_ and not result.requires_grad
    np.testing.assert_array_equal(result.numpy(), getattr(values, compare)(np.float32(2.0)))


def test_argmax_is_int64_without_grad():
    x = dg.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    result = x.argmax(axis=1)
    assert result.dtype == np.int64 and not result.requires_grad
    np.testing.assert_array_equal(result.numpy(), x.numpy().argmax(axis=1))


# --- anomaly detection --------------------------------------------------------------------------
def test_anomaly_in_forward_names_op_and_caller_line():
    x = dg.tensor([-1.0, 1.0], requires_grad=True)
    with np.errstate(invalid="ignore"), dg.detect_anomaly(), pytest.raises(dg.AnomalyError) as info:
        line = _next_line()
        dg.log(x)
    message = str(info.value)
    assert "log" in message and f"{THIS_FILE}:{line}" in message


def test_anomaly_in_backward_names_op():
    x = dg.tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"), dg.detect_anomaly():
        line = _next_line()
        y = dg.sqrt(x)
        with pytest.raises(dg.AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "sqrt" in message and "backward" in message and f"{THIS_FILE}:{line}" in message


def test_no_anomaly_error_outside_detect_anomaly():
    x = dg.tensor([0.0, -1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = dg.log(x)
        dg.sqrt(x * -1.0).sum().backward()
    assert np.isnan(y.numpy()[1]) and np.isinf(x.grad.numpy()[0])


def test_detect_anomaly_state_restored_after_exit_and_exception():
    x = dg.tensor([-1.0])
    with np.errstate(invalid="ignore"):
        with dg.detect_anomaly():
            with dg.detect_anomaly():
                pass
            with pytest.raises(dg.AnomalyError):
                dg.log(x)  # still on after the inner block
        assert np.isnan(dg.log(x).item())  # off after the block
        with pytest.raises(dg.AnomalyError), dg.detect_anomaly():
            dg.log(x)
        assert np.isnan(dg.log(x).item())  # off after the exception


# --- gradient checks ----------------------------------------------------------------------------
def _square(a, scale=1.0, skip=None):
    """a**2 with a backward of scale * 2a, whose element `skip` (flat) gets no gradient."""

    def backward(grad):
        result = scale * 2 * a.data * grad
        if skip is not None:
            result.reshape(-1)[skip] = 0.0
        return (result,)

    return record(a.data**2, (a,), backward, "wrong")


def test_check_gradients_passes_correct_and_fails_wrong_backward():
    dg.manual_seed(1)
    assert dg.check_gradients(lambda t: (dg.tanh(t) * t).sum(), dg.randn(3, 4)) is True
    assert dg.check_gradients(lambda t: _square(t).sum(), dg.randn(5)) is True
    with pytest.raises(dg.GradientCheckError):
        dg.check_gradients(lambda t: _square(t, scale=2.0).sum(), dg.randn(5))


def test_check_gradients_checks_every_output_element():
    dg.manual_seed(3)
    assert dg.check_gradients(lambda t: dg.exp(t) * 2.0, dg.randn(2, 3)) is True
    with pytest.raises(dg.GradientCheckError, match=r"\(1, 1\)"):
        dg.check_gradients(lambda t: _square(t, skip=4), dg.randn(2, 3))


def test_check_gradients_multiple_inputs_and_integer_passthrough():
    dg.manual_seed(4)
    index = dg.tensor([2, 0, 2])
    seen = []

    def fn(a, b, idx):
        seen.append(idx)
        return (a @ b)[idx] * 3.0

    assert dg.check_gradients(fn, dg.randn(3, 2), dg.randn(2, 4), index) is True
    assert all(idx is index for idx in seen)
    np.testing.assert_array_equal(index.numpy(), [2, 0, 2])
    with pytest.raises(dg.GradientCheckError, match="input 1"):
        dg.check_gradients(lambda a, b: a * _square(b, scale=0.5), dg.randn(3), dg.randn(3))


# --- typed errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, shapes",
    [
        (lambda: dg.ones(3) + dg.ones(4), ["(3,)", "(4,)"]),
        (lambda: dg.ones((2, 3)) @ dg.ones((4, 5)), ["(2, 3)", "(4, 5)"]),
        (lambda: dg.ones((2, 3)).reshape(4, 2), ["(2, 3)", "(4, 2)"]),
    ],
)
def test_shape_errors_name_the_shapes(bad, shapes):
    with pytest.raises(dg.ShapeError) as info:
        bad()
    assert all(shape in str(info.value) for shape in shapes)


def test_unknown_device_lists_valid_devices():
    with pytest.raises(dg.DeviceError) as info:
        dg.tensor(1.0, device="tpu")
    message = str(info.value)
    assert "tpu" in message and "'cpu'" in message and "'gpu'" in message


def test_check_gradients_perturbs_fortran_ordered_inputs_too():
    """A flat view of an F-ordered array is a copy: the checker must still move the real values."""
    w = dg.Tensor(np.asfortranarray(np.random.default_rng(0).standard_normal((2, 3))))
    assert dg.check_gradients(lambda t: (t * t).sum(), w)
