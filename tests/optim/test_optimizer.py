"""The Optimizer base: parameter groups, params given later, zero_grad, skipped parameters, lr, closures."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def param(*values):
    return dg.tensor(list(values) if len(values) > 1 else values[0], requires_grad=True)


def with_grad(p, *values):
    p.grad = dg.tensor(list(values) if len(values) > 1 else values[0])
    return p


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_groups_take_the_constructor_values_for_what_they_leave_out(cls):
    a, b = param(1.0, 2.0), param(3.0)
    opt = cls([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.25)
    assert opt.param_groups[0]["params"] == [a] and opt.param_groups[1]["params"] == [b]
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.5]
    for group in opt.param_groups:
        assert set(group) == set(opt.defaults) | {"params"}
        assert all(group[k] == v for k, v in opt.defaults.items() if k != "lr")


def test_a_generator_of_parameters_is_accepted():
    model = [param(1.0), param(2.0)]
    opt = optim.SGD((p for p in model), lr=0.1)
    assert opt.param_groups[0]["params"] == model


def test_nn_parameters_are_optimized():
    w = nn.Parameter(dg.tensor([1.0, 2.0]))
    opt = optim.SGD([w], lr=0.5)
    with_grad(w, 1.0, 1.0)
    opt.step()
    assert w.tolist() == [0.5, 1.5]


def test_without_params_the_optimizer_waits_for_add_param_group():
    opt = optim.Adam(lr=0.01, betas=(0.8, 0.9))
    assert opt.param_groups == [] and opt.lr == 0.01
    with pytest.raises(RuntimeError, match=r"no parameters to update.*compile.*add_param_group"):
        opt.step()
    w = with_grad(param(1.0, -1.0), 0.5, -0.5)
    opt.add_param_group({"params": [w]})
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.99, -0.99], rtol=1e-6)


def test_add_param_group_adds_a_group_with_its_own_values():
    a, b = with_grad(param(1.0), 1.0), with_grad(param(1.0), 1.0)
    opt = optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.3})
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.7], rtol=1e-6)


def test_zero_grad_sets_every_grad_to_none():
    params = [with_grad(param(1.0), 1.0), with_grad(param(2.0, 3.0), 1.0, 1.0)]
    opt = optim.SGD([{"params": params[:1]}, {"params": params[1:]}])
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_parameters_without_gradient_are_skipped_and_get_no_state(cls):
    used, unused = with_grad(param(1.0, 2.0), 0.5, 0.5), param(3.0, 4.0)
    opt = cls([used, unused], lr=0.1, **({"momentum": 0.9} if cls is optim.SGD else {}))
    for _ in range(2):
        opt.step()
    assert unused.tolist() == [3.0, 4.0]
    assert not opt.state.get(unused)
    assert used.tolist() != [1.0, 2.0] and opt.state[used]
    assert list(opt.state_dict()["state"]) == [0]


def test_a_gradient_of_another_shape_or_dtype_is_refused_by_name_before_anything_changes():
    first, w = with_grad(param(5.0), 1.0), param(1.0, 2.0)
    opt = optim.SGD([first, w])
    w.grad = dg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(dg.ShapeError, match=r"shape \(2,\) has a \.grad of shape \(3,\)"):
        opt.step()
    w.grad = dg.tensor([1.0, 2.0], dtype="float64")
    with pytest.raises(TypeError, match="dtype float32 has a .grad of dtype float64"):
        opt.step()
    w.grad = np.ones(2, np.float32)
    with pytest.raises(TypeError, match="must be a Tensor or None, got ndarray"):
        opt.step()
    assert w.tolist() == [1.0, 2.0] and first.item() == 5.0  # no half-done step


# --- the learning rate ---------------------------------------------------------------------
def test_lr_reads_the_first_group_and_sets_every_group():
    a, b = param(1.0), param(2.0)
    opt = optim.RMSprop([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.2}])
    assert opt.lr == 0.1
    opt.lr = 0.05
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.05]
    opt.lr = np.float32(0.5)
    assert opt.lr == 0.5 and type(opt.lr) is float


def test_lr_set_before_compile_reaches_the_groups_added_later():
    opt = optim.SGD(lr=0.1)
    opt.lr = 0.02
    opt.add_param_group({"params": [param(1.0)]})
    assert opt.param_groups[0]["lr"] == 0.02


def test_the_new_lr_is_used_by_the_next_step():
    w = with_grad(param(1.0), 1.0)
    opt = optim.SGD([w], lr=0.1)
    opt.step()
    opt.lr = 0.5
    opt.step()
    assert w.item() == pytest.approx(1.0 - 0.1 - 0.5)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_setting_a_bad_lr_is_refused(bad):
    opt = optim.SGD([param(1.0)], lr=0.1)
    with pytest.raises(ValueError, match=f"learning rate lr must be .*{bad}"):
        opt.lr = bad
    assert opt.lr == 0.1


# --- closures and printing -------------------------------------------------------------------
def test_step_calls_the_closure_with_gradients_on_and_returns_its_loss():
    w = param(3.0)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = w * w
        loss.backward()
        return loss

    with dg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.item() == 1.5


def test_repr_lists_the_groups_and_their_hyperparameters():
    opt = optim.SGD([param(1.0), param(2.0)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD(") and "2 parameter(s)" in text and "momentum=0.9" in text
    assert "no parameters yet" in repr(optim.Adam())
