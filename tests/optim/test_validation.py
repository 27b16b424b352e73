"""Every argument is checked up front; each error is typed and names the bad value."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import optim

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def param(shape=(2,)):
    return dg.zeros(shape, requires_grad=True)


BAD_HYPERPARAMETERS = [
    (cls, {key: value}, error, pattern)
    for cls in OPTIMIZERS
    for key, value, error, pattern in [
        ("lr", -0.1, ValueError, "learning rate lr must be >= 0, got -0.1"),
        ("lr", "0.1", TypeError, "learning rate lr must be a number, got '0.1'"),
        ("lr", float("nan"), ValueError, "learning rate lr must be a finite number, got nan"),
        ("weight_decay", -1e-4, ValueError, "weight_decay must be >= 0, got -0.0001"),
    ]
] + [
    (optim.SGD, {"momentum": -0.9}, ValueError, "momentum must be >= 0, got -0.9"),
    (optim.SGD, {"dampening": 1.5}, ValueError, r"dampening must be in \[0.0, 1.0\], got 1.5"),
    (optim.SGD, {"nesterov": True}, ValueError, "nesterov=True needs momentum > 0 .* got momentum=0.0"),
    (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError,
     "nesterov=True needs .*dampening=0.1"),
    (optim.SGD, {"nesterov": 1}, TypeError, "nesterov must be True or False, got 1"),
    (optim.Adam, {"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be in \[0.0, 1.0\), got 1.0"),
    (optim.Adam, {"betas": (0.9, -0.1)}, ValueError, r"betas\[1\] must be in \[0.0, 1.0\), got -0.1"),
    (optim.AdamW, {"betas": (0.9, 1.0)}, ValueError, r"betas\[1\] must be in \[0.0, 1.0\), got 1.0"),
    (optim.Adam, {"betas": 0.9}, TypeError, r"betas must be a pair \(beta1, beta2\), got 0.9"),
    (optim.Adam, {"betas": (0.9, 0.99, 0.999)}, TypeError, r"betas must be a pair"),
    (optim.Adam, {"eps": -1e-8}, ValueError, "eps must be >= 0, got -1e-08"),
    (optim.AdamW, {"amsgrad": "yes"}, TypeError, "amsgrad must be True or False, got 'yes'"),
    (optim.RMSprop, {"alpha": 1.01}, ValueError, r"alpha must be in \[0.0, 1.0\], got 1.01"),
    (optim.RMSprop, {"momentum": -0.5}, ValueError, "momentum must be >= 0, got -0.5"),
    (optim.RMSprop, {"eps": -1.0}, ValueError, "eps must be >= 0, got -1.0"),
    (optim.RMSprop, {"centered": None}, TypeError, "centered must be True or False, got None"),
    (optim.Adagrad, {"lr_decay": -0.1}, ValueError, "lr_decay must be >= 0, got -0.1"),
    (optim.Adagrad, {"initial_accumulator_value": -1}, ValueError, "initial_accumulator_value must be >= 0, got -1"),
    (optim.Adagrad, {"eps": -1e-10}, ValueError, "eps must be >= 0, got -1e-10"),
]


@pytest.mark.parametrize(
    "cls,kwargs,error,pattern", BAD_HYPERPARAMETERS, ids=[f"{c.__name__}-{k}" for c, k, _, _ in BAD_HYPERPARAMETERS]
)
@pytest.mark.parametrize("where", ["constructor", "without params", "in a group"])
def test_a_bad_hyperparameter_is_refused_by_name(cls, kwargs, error, pattern, where):
    with pytest.raises(error, match=f"^{cls.__name__}: {pattern}"):
        if where == "constructor":
            cls([param()], **kwargs)
        elif where == "without params":  # checked before model.compile gives the parameters
            cls(**kwargs)
        else:
            cls([{"params": [param()]}, {"params": [param()], **kwargs}])


@given(lr=st.floats(max_value=-1e-12, allow_nan=False, allow_infinity=False))
def test_any_negative_learning_rate_is_refused_with_its_value(lr):
    with pytest.raises(ValueError, match=re.escape(f"got {lr!r}")):
        optim.Adam([param()], lr=lr)


def test_a_parameter_that_does_not_require_grad_is_refused():
    frozen = dg.zeros((3, 4))
    with pytest.raises(ValueError, match=r"parameter 1 of group 0 \(shape \(3, 4\)\) does not require gradients"):
        optim.SGD([param(), frozen])


def test_a_tensor_made_by_an_op_is_refused():
    w = param()
    with pytest.raises(ValueError, match=r"parameter 0 of group 0 \(shape \(2,\)\) is the result of an op, not a leaf"):
        optim.SGD([w * 2])


@pytest.mark.parametrize("groups", [
    lambda w: [w, w],
    lambda w: [{"params": [w]}, {"params": [param(), w]}],
])
def test_a_parameter_given_twice_is_refused(groups):
    w = param((5,))
    with pytest.raises(ValueError, match=r"\(shape \(5,\)\) is given twice \(it is already in group 0\)"):
        optim.Adam(groups(w))


def test_add_param_group_refuses_a_parameter_already_in_a_group():
    w = param()
    opt = optim.SGD([w])
    with pytest.raises(ValueError, match="parameter 0 of group 1 .* is given twice"):
        opt.add_param_group({"params": [w]})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("params,error,pattern", [
    (dg.zeros(3, requires_grad=True), TypeError, r"got a single tensor of shape \(3,\); wrap it in a list"),
    ({"params": []}, TypeError, "got one dict; wrap it in a list"),
    ([], ValueError, "got an empty list of parameters"),
    ([np.zeros(3)], TypeError, "parameter 0 of group 0 is a ndarray, not a Tensor"),
    ([{"params": []}], ValueError, "parameter group 0 has no parameters"),
    ([{"lr": 0.1}], ValueError, "a parameter group needs the key 'params'"),
    ([{"params": [dg.zeros(2, requires_grad=True)], "learning_rate": 0.1}], ValueError,
     r"unknown hyperparameter\(s\) \['learning_rate'\].*takes \['dampening', 'lr'"),
])
def test_bad_params_are_refused(params, error, pattern):
    with pytest.raises(error, match=pattern):
        optim.SGD(params)


def test_add_param_group_needs_a_dict():
    with pytest.raises(TypeError, match=r"add_param_group takes a dict .* got list"):
        optim.SGD().add_param_group([param()])


# --- load_state_dict checks what it is given before it changes anything --------------------------
def trained(cls=optim.Adam, groups=((2,), (3,))):
    params = [param(shape) for shape in groups]
    opt = cls([{"params": [p]} for p in params], lr=0.1)
    for p in params:
        p.grad = dg.ones(p.shape)
    opt.step()
    return opt, params


@pytest.mark.parametrize("change,error,pattern", [
    (lambda s: s["param_groups"].pop(), ValueError, r"has 2 parameter group\(s\) but the state_dict has 1"),
    (lambda s: s["param_groups"][1]["params"].append(2), ValueError, r"group 1 has 1 parameter\(s\) but .* has 2"),
    (lambda s: s["param_groups"][0].pop("amsgrad"), ValueError, "has hyperparameters .* saved from another"),
    (lambda s: s["param_groups"][0].update(lr=-1.0), ValueError, "learning rate lr must be >= 0, got -1.0"),
    (lambda s: s["state"].update({7: {}}), ValueError, "state for parameter 7, which no group lists"),
    (lambda s: s["state"][1].update(exp_avg=np.zeros(4)), dg.ShapeError, r"'exp_avg' has shape \(4,\) .* \(3,\)"),
    (lambda s: s.pop("state"), ValueError, "expects the dict from state_dict"),
])
def test_load_state_dict_refuses_what_does_not_fit(change, error, pattern):
    opt, params = trained()
    saved = opt.state_dict()
    before = opt.state_dict()
    change(saved)
    with pytest.raises(error, match=pattern):
        opt.load_state_dict(saved)
    after = opt.state_dict()  # nothing was half-loaded
    assert after["param_groups"] == before["param_groups"]
    for index, entries in before["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(after["state"][index][key], value)


def test_an_adam_state_dict_does_not_load_into_sgd():
    opt, _ = trained(optim.Adam)
    other, _ = trained(optim.SGD)
    with pytest.raises(ValueError, match="saved from another optimizer"):
        other.load_state_dict(opt.state_dict())
