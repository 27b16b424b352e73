"""An LSTM regression training step: deepgrad against PyTorch eager.

    python benchmarks/bench_lstm.py [--rounds 15] [--profile]

The workload of the "Sequence models" issue: 8 input features, 50 time steps, 128 units,
batch 64; the last state goes through Dense(1) (nn.Linear), mean squared error, SGD with momentum
0.9. One step is forward + backward + update. Both contenders start from the same weights, run
alternately in blocks with a pause between them (`time_alternating`, see bench_engine.py), and
the medians are compared. Prints torch_ms, deepgrad_ms and torch/deepgrad: above 1.0 means
deepgrad is faster. --profile then runs deepgrad's step under cProfile and prints where it spends.

Measured on the 2-core EPYC machine of PERF-NOTES.md (medians of 15 blocks, three runs): torch
10.7-11.0 ms, deepgrad 15.2-15.4 ms, torch/deepgrad 0.70-0.72. PyTorch runs this LSTM as oneDNN's
fused kernel (aten::mkldnn_rnn_layer: about 3.9 ms forward, 6.8 ms backward). deepgrad spends about
7.3 ms in matmuls (50 + 50 per-step ones of about 46 µs, and 2.6 ms for d weight_hh), and most of
the rest in the per-step ufuncs (12 forward, 17 backward, about 1 µs of overhead each plus their
memory traffic: the saved gates of all steps are 6.5 MB) and in the copy that lays the gate
gradients side by side for the d weight_hh matmul.
"""

import argparse
import cProfile
import pstats

import numpy as np
import torch

import deepgrad as dg
from bench_engine import time_alternating
from deepgrad import nn, optim
from deepgrad.nn.layers.recurrent import LSTM

FEATURES, STEPS, UNITS, BATCH = 8, 50, 128, 64


def deepgrad_model():
    model = nn.Sequential([LSTM(UNITS), nn.Dense(1)])
    model(dg.zeros((1, STEPS, FEATURES)))  # build
    return model


def torch_model_like(model):
    """torch.nn.LSTM + Linear holding the same weights (PyTorch keeps the transposes, and two biases)."""
    lstm, dense = model.layers
    torch_lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
    linear = torch.nn.Linear(UNITS, 1)
    with torch.no_grad():
        torch_lstm.weight_ih_l0.copy_(torch.tensor(lstm.weight_ih.numpy().T))
        torch_lstm.weight_hh_l0.copy_(torch.tensor(lstm.weight_hh.numpy().T))
        torch_lstm.bias_ih_l0.copy_(torch.tensor(lstm.bias.numpy()))
        torch_lstm.bias_hh_l0.zero_()
        linear.weight.copy_(torch.tensor(dense.weight.numpy().T))
        linear.bias.copy_(torch.tensor(dense.bias.numpy()))
    return torch_lstm, linear


def deepgrad_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = nn.losses.mean_squared_error(y, model(x))
    loss.backward()
    optimizer.step()
    return loss


def torch_step(torch_lstm, linear, optimizer, x, y):
    optimizer.zero_grad()
    _, (h, _) = torch_lstm(x)
    loss = torch.nn.functional.mse_loss(linear(h[0]), y)
    loss.backward()
    optimizer.step()
    return loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="blocks of 20 steps per contender")
    parser.add_argument("--profile", action="store_true", help="also profile 50 deepgrad steps with cProfile")
    args = parser.parse_args()
    torch.set_num_threads(2)
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32)
    y = rng.standard_normal((BATCH, 1)).astype(np.float32)

    model = deepgrad_model()
    torch_lstm, linear = torch_model_like(model)
    d_opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t_opt = torch.optim.SGD([*torch_lstm.parameters(), *linear.parameters()], lr=0.01, momentum=0.9)
    d_x, d_y, t_x, t_y = dg.tensor(x), dg.tensor(y), torch.tensor(x), torch.tensor(y)
    first = deepgrad_step(model, d_opt, d_x, d_y).item(), torch_step(torch_lstm, linear, t_opt, t_x, t_y).item()
    assert abs(first[0] - first[1]) <= 1e-4 * max(1.0, abs(first[1])), f"the two first losses differ: {first}"

    times = time_alternating(
        {
            "deepgrad": lambda: deepgrad_step(model, d_opt, d_x, d_y),
            "torch": lambda: torch_step(torch_lstm, linear, t_opt, t_x, t_y),
        },
        args.rounds,
    )
    ratio = times["torch"] / times["deepgrad"]
    print(f"{'workload':<48}{'torch_ms':>10}{'deepgrad_ms':>13}{'torch/deepgrad':>16}")
    name = f"LSTM {FEATURES}->{UNITS}, {STEPS} steps, batch {BATCH}, step"
    print(f"{name:<48}{times['torch'] * 1e3:>10.3f}{times['deepgrad'] * 1e3:>13.3f}{ratio:>16.2f}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(50):
            deepgrad_step(model, d_opt, d_x, d_y)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
