"""Each optimizer's update rule, replayed step by step against torch.optim; exact resume after saving.

Every replay runs the same parameters (shapes (), (3, 4) and (5,)) through 20 steps in both
libraries, each computing the gradients of the same loss with its own autograd, and compares the
parameters after every step and the optimizer state at the end.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import optim

CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-6, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
]
CASES = [pytest.param(name, kwargs, id=f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items()) or 'defaults'}")
         for name, kwargs in CONFIGS]
SHAPES = [(), (3, 4), (5,)]
SCALES = [0.5, 1.0, 2.0]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def initial_values(dtype):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def targets_at(step, dtype):
    """The loss moves at every step, so that the gradients keep changing sign and size."""
    rng = np.random.default_rng(1000 + step)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def dg_gradients(params, step):
    """Gradients of sum_i scale_i * |p_i - target_i|^2, by deepgrad's autograd; made read-only."""
    for p in params:
        p.grad = None
    targets = targets_at(step, params[0].dtype)
    loss = sum(((p - dg.Tensor(t)) ** 2 * s).sum() for p, t, s in zip(params, targets, SCALES))
    loss.backward()
    for p in params:
        p.grad.data.flags.writeable = False  # an optimizer that writes into a gradient fails here


def torch_gradients(params, step):
    for p in params:
        p.grad = None
    targets = targets_at(step, params[0].detach().numpy().dtype)
    loss = sum(((p - torch.from_numpy(t)) ** 2 * s).sum() for p, t, s in zip(params, targets, SCALES))
    loss.backward()


def dg_params(values):
    return [dg.Tensor(v.copy(), requires_grad=True) for v in values]


def torch_params(values):
    return [torch.tensor(v.copy(), requires_grad=True) for v in values]


def assert_same_values(ours, theirs, dtype, step):
    for p, q in zip(ours, theirs):
        assert p.dtype == dtype, f"step {step}: the parameter became {p.dtype}"
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype],
                                   err_msg=f"after step {step}")


def replay(ours_of, theirs_of, dtype, steps=20):
    """Run both optimizers, made by ours_of(params) and theirs_of(params), comparing after every step."""
    values = initial_values(dtype)
    ours, theirs = dg_params(values), torch_params(values)
    ours_opt, theirs_opt = ours_of(ours), theirs_of(theirs)
    for step in range(steps):
        dg_gradients(ours, step)
        torch_gradients(theirs, step)
        ours_opt.step()
        theirs_opt.step()
        assert_same_values(ours, theirs, dtype, step)
    return ours, theirs, ours_opt, theirs_opt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_torch_for_20_steps(name, kwargs, dtype):
    ours, theirs, ours_opt, theirs_opt = replay(
        lambda ps: getattr(optim, name)(ps, **kwargs), lambda ps: getattr(torch.optim, name)(ps, **kwargs), dtype
    )
    for p, q in zip(ours, theirs):  # the state (momentum buffers, moments, sums) agrees too
        theirs_state = theirs_opt.state[q]
        assert set(ours_opt.state[p]) == set(theirs_state)
        for key, value in theirs_state.items():
            mine = ours_opt.state[p][key]
            if key == "step":
                assert mine == int(value)
            else:
                assert mine.dtype == dtype
                np.testing.assert_allclose(mine, value.numpy(), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


SECOND_GROUP = {
    "SGD": ({"lr": 0.05, "momentum": 0.9}, {"lr": 0.2, "momentum": 0.5, "nesterov": True}),
    "Adam": ({"lr": 0.05}, {"lr": 0.01, "betas": (0.8, 0.99)}),
    "AdamW": ({"lr": 0.05}, {"lr": 0.01, "weight_decay": 0.1}),
    "RMSprop": ({"lr": 0.005}, {"lr": 0.001, "centered": True}),
    "Adagrad": ({"lr": 0.1}, {"lr": 0.5, "lr_decay": 0.1}),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SECOND_GROUP))
def test_two_param_groups_with_their_own_hyperparameters_match_torch(name, dtype):
    defaults, second = SECOND_GROUP[name]

    def groups(library):
        return lambda ps: getattr(library, name)([{"params": ps[:2]}, {"params": ps[2:], **second}], **defaults)

    _, _, ours_opt, _ = replay(groups(optim), groups(torch.optim), dtype)
    assert ours_opt.param_groups[1]["lr"] == second["lr"] != ours_opt.param_groups[0]["lr"]


def mlp_loss(weights, x, y):
    w1, b1, w2, b2 = weights
    hidden = (x @ w1 + b1).tanh()
    return (((hidden @ w2 + b2) - y) ** 2).mean()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_training_a_small_mlp_follows_torch(name):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    values = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(3, 8), (8,), (8, 1), (1,)]]
    ours, theirs = dg_params(values), torch_params(values)
    ours_opt, theirs_opt = getattr(optim, name)(ours, lr=0.01), getattr(torch.optim, name)(theirs, lr=0.01)
    losses = []
    for step in range(20):
        ours_opt.zero_grad()
        theirs_opt.zero_grad()
        loss = mlp_loss(ours, dg.Tensor(x), dg.Tensor(y))
        loss.backward()
        mlp_loss(theirs, torch.from_numpy(x), torch.from_numpy(y)).backward()
        ours_opt.step()
        theirs_opt.step()
        assert_same_values(ours, theirs, np.float32, step)
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@settings(max_examples=40)
@given(
    lr=st.floats(0.0, 1.0), momentum=st.floats(0.0, 0.99), dampening=st.floats(0.0, 1.0),
    nesterov=st.booleans(), weight_decay=st.floats(0.0, 0.1), seed=st.integers(0, 2**16),
)
def test_sgd_matches_torch_for_any_hyperparameters(lr, momentum, dampening, nesterov, weight_decay, seed):
    nesterov = nesterov and momentum > 0
    kwargs = {"lr": lr, "momentum": momentum, "dampening": 0.0 if nesterov else dampening, "nesterov": nesterov,
              "weight_decay": weight_decay}
    replay_fixed_gradients(optim.SGD, torch.optim.SGD, kwargs, seed)


@settings(max_examples=40)
@given(
    lr=st.floats(0.0, 1.0), beta1=st.floats(0.0, 0.99), beta2=st.floats(0.0, 0.999), eps=st.floats(1e-8, 1e-3),
    weight_decay=st.floats(0.0, 0.1), amsgrad=st.booleans(), decoupled=st.booleans(), seed=st.integers(0, 2**16),
)
def test_adam_matches_torch_for_any_hyperparameters(lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled, seed):
    kwargs = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
    ours, theirs = (optim.AdamW, torch.optim.AdamW) if decoupled else (optim.Adam, torch.optim.Adam)
    replay_fixed_gradients(ours, theirs, kwargs, seed)


def replay_fixed_gradients(ours_class, theirs_class, kwargs, seed, steps=5):
    """Random gradients assigned to .grad (the same arrays in both libraries), float32."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(np.float32) for shape in SHAPES]
    ours, theirs = dg_params(values), torch_params(values)
    ours_opt, theirs_opt = ours_class(ours, **kwargs), theirs_class(theirs, **kwargs)
    for step in range(steps):
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad, q.grad = dg.Tensor(g), torch.from_numpy(g.copy())
        ours_opt.step()
        theirs_opt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-5, err_msg=f"step {step}")


# --- what a step may and may not touch ---------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", CASES)
def test_step_updates_the_parameter_arrays_in_place_and_leaves_gradients_alone(name, kwargs):
    params = dg_params(initial_values(np.float32))
    opt = getattr(optim, name)(params, **kwargs)
    arrays = [p.data for p in params]
    for step in range(3):
        dg_gradients(params, step)  # read-only gradient arrays: writing into one raises
        grads = [(p.grad, p.grad.data, p.grad.data.copy()) for p in params]
        before = [p.data.copy() for p in params]
        opt.step()
        for p, array, old, (grad, grad_array, grad_values) in zip(params, arrays, before, grads):
            assert p.data is array, "step() replaced the parameter's array instead of updating it"
            assert not np.array_equal(p.data, old)
            assert p.grad is grad and p.grad.data is grad_array
            np.testing.assert_array_equal(grad_array, grad_values)


@pytest.mark.parametrize("name,kwargs", CASES)
def test_numpy_float64_hyperparameters_keep_float32_parameters_and_state_float32(name, kwargs):
    numpy_kwargs = {k: np.float64(v) if isinstance(v, float) else v for k, v in kwargs.items()}
    params = dg_params(initial_values(np.float32))
    opt = getattr(optim, name)(params, **numpy_kwargs)
    for step in range(2):
        dg_gradients(params, step)
        opt.step()
    assert all(type(v) is float for v in [opt.param_groups[0]["lr"], *opt.param_groups[0].get("betas", ())])
    for p in params:
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


# --- saving and resuming -----------------------------------------------------------------------------
def run(opt, params, first_step, steps):
    for step in range(first_step, first_step + steps):
        dg_gradients(params, step)
        opt.step()


@pytest.mark.parametrize("name,kwargs", CASES)
def test_resuming_from_a_state_dict_gives_the_uninterrupted_run_bit_for_bit(name, kwargs):
    values = initial_values(np.float32)
    straight = dg_params(values)
    run(getattr(optim, name)(straight, **kwargs), straight, 0, 13)

    first = dg_params(values)
    first_opt = getattr(optim, name)(first, **kwargs)
    run(first_opt, first, 0, 7)
    saved, saved_values = first_opt.state_dict(), [p.numpy().copy() for p in first]
    run(first_opt, first, 7, 2)  # the saved state is a snapshot: later steps do not change it

    resumed = dg_params(saved_values)  # copies of the parameters as they were when saved...
    resumed_opt = getattr(optim, name)(resumed, **{**kwargs, "lr": 123.0})  # ...and another lr, which loading undoes
    resumed_opt.load_state_dict(saved)
    run(resumed_opt, resumed, 7, 6)
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def assert_plain(value, where="state_dict"):
    """Only dicts, lists, numbers, strings, None and NumPy arrays: what JSON + safetensors can hold."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, (str, int)), f"{where} has a key of type {type(key).__name__}"
            assert_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_plain(item, f"{where}[{i}]")
    else:
        assert value is None or type(value) in (bool, int, float, str, np.ndarray), f"{where} is a {type(value)}"


@pytest.mark.parametrize("name,kwargs", CASES)
def test_state_dict_is_plain_data_with_parameter_indices(name, kwargs):
    params = dg_params(initial_values(np.float32))
    opt = getattr(optim, name)([{"params": params[:1]}, {"params": params[1:]}], **kwargs)
    run(opt, params, 0, 2)
    state = opt.state_dict()
    assert_plain(state)
    assert [g["params"] for g in state["param_groups"]] == [[0], [1, 2]]
    stateless = name == "SGD" and not kwargs.get("momentum")  # plain SGD keeps no state, as torch's
    assert sorted(state["state"]) == ([] if stateless else [0, 1, 2])
    assert {k for k in state["param_groups"][0] if k != "params"} == set(opt.defaults)
    for p, entries in zip(params, state["state"].values()):
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                assert value is not opt.state[p][key] and value.shape == p.shape


def test_load_state_dict_accepts_string_indices_as_json_gives_them_and_copies_the_arrays():
    params = dg_params(initial_values(np.float32))
    opt = optim.Adam(params, lr=0.05)
    run(opt, params, 0, 3)
    saved = opt.state_dict()
    as_from_json = {"param_groups": saved["param_groups"],
                    "state": {str(k): dict(v) for k, v in saved["state"].items()}}
    other = optim.Adam(params, lr=0.05)
    other.load_state_dict(as_from_json)
    saved["state"][1]["exp_avg"][...] = 99.0  # the loaded optimizer holds its own copy
    np.testing.assert_array_equal(other.state[params[1]]["exp_avg"], opt.state[params[1]]["exp_avg"])
    assert other.param_groups[0]["betas"] == (0.9, 0.999)
