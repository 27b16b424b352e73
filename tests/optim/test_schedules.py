"""Learning-rate schedules: StepLR, ExponentialLR and ReduceLROnPlateau against torch; cosine against its formula."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim import schedules

BASE_LRS = (0.1, 0.03)


def two_group_optimizers(base_lrs=BASE_LRS):
    ours = optim.SGD([{"params": [dg.zeros(2, requires_grad=True)], "lr": lr} for lr in base_lrs])
    theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in base_lrs])
    return ours, theirs


def lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def replay(make_ours, make_theirs, steps, base_lrs=BASE_LRS):
    ours_opt, theirs_opt = two_group_optimizers(base_lrs)
    ours, theirs = make_ours(ours_opt), make_theirs(theirs_opt)
    assert lrs(ours_opt) == lrs(theirs_opt)
    for step in range(steps):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert lrs(ours_opt) == lrs(theirs_opt), f"after step {step + 1}"  # the same float operations: exact
        assert ours.get_lr() == theirs.get_last_lr() and ours.lr == lrs(theirs_opt)[0]
    return ours


@given(step_size=st.integers(1, 7), gamma=st.floats(0.01, 2.0), base=st.floats(1e-5, 1.0))
def test_step_lr_matches_torch(step_size, gamma, base):
    replay(lambda o: schedules.StepLR(o, step_size, gamma),
           lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), steps=30, base_lrs=(base, base / 3))


@given(gamma=st.floats(0.5, 1.0), base=st.floats(1e-5, 1.0))
def test_exponential_lr_matches_torch(gamma, base):
    replay(lambda o: schedules.ExponentialLR(o, gamma),
           lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), steps=30, base_lrs=(base, base * 2))


def test_step_lr_defaults_divide_by_ten_every_step_size_steps():
    schedule = replay(lambda o: schedules.StepLR(o, 3), lambda o: torch.optim.lr_scheduler.StepLR(o, 3), steps=7)
    assert schedule.get_lr() == pytest.approx([0.1 * 0.01, 0.03 * 0.01])


# --- ReduceLROnPlateau -------------------------------------------------------------------------
plateau_settings = st.fixed_dictionaries({
    "mode": st.sampled_from(["min", "max"]),
    "factor": st.floats(0.05, 0.9),
    "patience": st.integers(0, 4),
    "threshold": st.sampled_from([0.0, 1e-4, 0.05]),
    "threshold_mode": st.sampled_from(["rel", "abs"]),
    "cooldown": st.integers(0, 3),
    "min_lr": st.sampled_from([0.0, 1e-3, [0.02, 0.0]]),
})


@settings(max_examples=150)
@given(kwargs=plateau_settings, metrics=st.lists(st.sampled_from([1.0, 0.99, 0.9, 0.5, 1.1, 2.0, -1.0]), max_size=40))
def test_reduce_lr_on_plateau_matches_torch(kwargs, metrics):
    ours_opt, theirs_opt = two_group_optimizers()
    ours = schedules.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    for step, metric in enumerate(metrics):
        ours.step(metric)
        theirs.step(metric)
        assert lrs(ours_opt) == lrs(theirs_opt), f"after metric {step}: {metrics[: step + 1]}"
        assert (ours.best, ours.bad_steps, ours.cooldown_counter) == (
            theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter)


def test_reduce_lr_on_plateau_reduces_after_patience_bad_steps_and_stops_at_min_lr():
    opt = optim.Adam([dg.zeros(1, requires_grad=True)], lr=1.0)
    schedule = schedules.ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=0.3)
    seen = []
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        schedule.step(dg.tensor(loss))  # a 0-d tensor works as the metric
        seen.append(opt.lr)
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]


# --- CosineAnnealing ------------------------------------------------------------------------------
def cosine_formula(base, step, total, min_lr, warmup):
    if step < warmup:
        return base * step / warmup
    step = min(step, total)
    return min_lr + (base - min_lr) * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) / 2


@given(total=st.integers(1, 40), warmup_share=st.floats(0, 0.99), min_lr=st.sampled_from([0.0, 1e-4, 0.01]),
       base=st.floats(0.02, 1.0))
def test_cosine_annealing_follows_its_formula(total, warmup_share, min_lr, base):
    warmup = int(warmup_share * total)
    opt = optim.SGD([{"params": [dg.zeros(1, requires_grad=True)], "lr": lr} for lr in (base, base / 2)])
    schedule = schedules.CosineAnnealing(opt, total, min_lr=min_lr, warmup_steps=warmup)
    for step in range(total + 5):
        for lr, group_base in zip(schedule.get_lr(), (base, base / 2)):
            assert lr == pytest.approx(cosine_formula(group_base, step, total, min_lr, warmup), rel=1e-12, abs=1e-15)
        schedule.step()
    assert schedule.lr == pytest.approx(min_lr)


def test_cosine_annealing_warms_up_linearly_from_zero_then_decays():
    opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=1.0)
    schedule = schedules.CosineAnnealing(opt, total_steps=6, warmup_steps=2, min_lr=0.1)
    seen = [opt.lr]
    for _ in range(7):
        schedule.step()
        seen.append(opt.lr)
    assert seen == pytest.approx([0.0, 0.5, 1.0, 0.1 + 0.9 * (2 + math.sqrt(2)) / 4, 0.55,
                                  0.1 + 0.9 * (2 - math.sqrt(2)) / 4, 0.1, 0.1])


def test_a_schedule_made_before_compile_drives_the_groups_added_later():
    opt = optim.Adam(lr=0.5)
    schedule = schedules.CosineAnnealing(opt, total_steps=4, warmup_steps=2)
    assert opt.lr == 0.0
    opt.add_param_group({"params": [dg.zeros(1, requires_grad=True)]})  # what model.compile does
    schedule.step()
    assert opt.param_groups[0]["lr"] == 0.25
    schedule.step()
    assert opt.param_groups[0]["lr"] == 0.5


# --- saving and resuming ------------------------------------------------------------------------------
SCHEDULES = {
    "StepLR": lambda o: schedules.StepLR(o, step_size=3, gamma=0.5),
    "ExponentialLR": lambda o: schedules.ExponentialLR(o, gamma=0.9),
    "CosineAnnealing": lambda o: schedules.CosineAnnealing(o, total_steps=12, min_lr=0.001, warmup_steps=3),
    "ReduceLROnPlateau": lambda o: schedules.ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=1),
}
METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]


def advance(schedule, steps, start):
    for step in range(start, start + steps):
        if isinstance(schedule, schedules.ReduceLROnPlateau):
            schedule.step(METRICS[step])
        else:
            schedule.step()


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_a_schedule_resumes_from_its_state_dict(name):
    straight_opt, _ = two_group_optimizers()
    straight = SCHEDULES[name](straight_opt)
    advance(straight, 12, 0)

    first_opt, _ = two_group_optimizers()
    first = SCHEDULES[name](first_opt)
    advance(first, 5, 0)
    saved_schedule, saved_opt = first.state_dict(), first_opt.state_dict()
    assert all(type(v) in (int, float, list) for v in saved_schedule.values())

    resumed_opt, _ = two_group_optimizers(base_lrs=(7.0, 7.0))  # loading restores the learning rates
    resumed_opt.load_state_dict(saved_opt)
    resumed = SCHEDULES[name](resumed_opt)
    resumed.load_state_dict(saved_schedule)
    assert lrs(resumed_opt) == [group["lr"] for group in saved_opt["param_groups"]]  # ready for the next step
    advance(resumed, 7, 5)
    assert resumed.get_lr() == straight.get_lr()
    assert resumed.state_dict() == straight.state_dict()


# --- arguments -------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,error,pattern", [
    (lambda o: schedules.StepLR(o, step_size=0), ValueError, "StepLR: step_size must be a positive integer, got 0"),
    (lambda o: schedules.StepLR(o, step_size=2.5), ValueError, "step_size must be a positive integer, got 2.5"),
    (lambda o: schedules.StepLR(o, 2, gamma=-0.1), ValueError, "gamma must be > 0, got -0.1"),
    (lambda o: schedules.ExponentialLR(o, gamma=0), ValueError, "ExponentialLR: gamma must be > 0, got 0"),
    (lambda o: schedules.CosineAnnealing(o, total_steps=0), ValueError, "total_steps must be a positive integer"),
    (lambda o: schedules.CosineAnnealing(o, 10, warmup_steps=10), ValueError,
     r"warmup_steps \(10\) must be less than total_steps \(10\)"),
    (lambda o: schedules.CosineAnnealing(o, 10, warmup_steps=-1), ValueError, "warmup_steps must be an integer >= 0"),
    (lambda o: schedules.CosineAnnealing(o, 10, min_lr=-1e-3), ValueError, "min_lr must be >= 0, got -0.001"),
    (lambda o: schedules.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode must be 'min' .* got 'lowest'"),
    (lambda o: schedules.ReduceLROnPlateau(o, factor=1.0), ValueError, r"factor must be in \[0.0, 1.0\), got 1.0"),
    (lambda o: schedules.ReduceLROnPlateau(o, factor=0.0), ValueError, r"factor must be in \(0, 1\), got 0.0"),
    (lambda o: schedules.ReduceLROnPlateau(o, patience=-1), ValueError, "patience must be an integer >= 0, got -1"),
    (lambda o: schedules.ReduceLROnPlateau(o, cooldown=0.5), ValueError, "cooldown must be an integer >= 0"),
    (lambda o: schedules.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode .* got 'pct'"),
    (lambda o: schedules.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, r"min_lr has 1 values .* 2 parameter"),
    (lambda o: schedules.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 2), TypeError,
     "StepLR schedules a deepgrad.optim optimizer, got SGD"),
])
def test_bad_schedule_arguments_are_refused_by_name(make, error, pattern):
    opt, _ = two_group_optimizers()
    with pytest.raises(error, match=pattern):
        make(opt)
    assert lrs(opt) == list(BASE_LRS)
