"""An LSTM regression training step: deepgrad against PyTorch eager.

    python benchmarks/bench_lstm.py [--rounds 15] [--profile] [--reference]

The workload of the "Sequence models" issue: 8 input features, 50 time steps, 128 units,
batch 64; the last state goes through Dense(1) (nn.Linear), mean squared error, SGD with momentum
0.9. One step is forward + backward + update. Both contenders start from the same weights, run
alternately in blocks with a pause between them (`time_alternating`, see bench_engine.py), and
the medians are compared. Prints torch_ms, deepgrad_ms and torch/deepgrad: above 1.0 means
deepgrad is faster. --profile then runs deepgrad's step under cProfile and prints where it spends.
--reference times deepgrad with the NumPy time loops instead of the compiled (Numba) ones.

Measured on the 2-core EPYC machine of PERF-NOTES.md before the compiled loops (medians of 15
blocks, three runs): torch 10.7-11.0 ms, deepgrad 15.2-15.4 ms, torch/deepgrad 0.70-0.72. PyTorch
runs this LSTM as oneDNN's fused kernel (aten::mkldnn_rnn_layer: about 3.9 ms forward, 6.8 ms
backward).

With the compiled loops of engine/kernels/recurrent.py and reused buffers (measured while other
jobs loaded the machine, load 4-7, with the runs under `chrt -r 1` so that they got the cores;
plain runs gave 0.72-0.95 at 5-10 times these times): torch/deepgrad 0.73-0.85 over nine runs
(torch 10.6-16.4 ms, deepgrad 12.5-20.7 ms), against 0.67-0.75 for the NumPy loops (--reference).
Where deepgrad's 12.5-13 ms go in the best runs: the LSTM forward 3.3 ms (50 matmuls 2.5 ms,
gate maths 0.9 ms); its backward 7.2 ms (50 matmuls 2.8 ms, gate maths 0.65 ms, d weight_hh
2.3 ms, and 1.2 ms more than these parts take alone: the matmuls' second BLAS thread reads what
the gate maths just wrote on the other core, and the gate maths stream 13 MB through the caches);
the layer's input projection (K = 9, memory-bound) 1.4 ms; the rest (Dense, loss, SGD, autograd)
about 0.7 ms.

With the input projection folded into each step's matmul (ops.lstm takes x and weight_ih; K grows
from 128 to 137) the step lost 1.1-1.3 ms (A/B in one session: 13.0-13.7 -> 12.0-12.4 ms). On an
idle machine, 2026-11-26: torch 11.2-11.8 ms, deepgrad 12.1-12.3 ms, torch/deepgrad 0.93-0.96.
Where deepgrad's time goes (kernels timed alone): forward 3.25 ms (matmuls 2.5, gate maths 0.75);
backward 7.2-7.5 ms (step matmuls 2.7, the weight-gradient matmul 2.6-2.7, the rest 1.9: the
gate maths, and writing dz strided into its (4U, T, N) layout, which costs about 0.5 ms on its
own); the rest of the step (Dense, loss, SGD, autograd, the op's set-up) about 1.5 ms. In the
VM's slow spells (see README) deepgrad's step takes 18-19 ms against PyTorch's 13.6-14.2.

With the backward's step matmul calling BLAS's gemm itself (dz_t read where the loop wrote it,
weight_hh @ dz_t added into dh; kernels/recurrent.py) and the forward's weights transposed in
blocks (2026-11-26, later): backward 7.5 -> 6.9 ms, forward 3.6 ms with the transpose, the step
12.2-12.4 -> 10.9-12.4 ms on an idle machine. Over 8 runs: torch/deepgrad 0.85-1.04, median
0.98 (torch 11.9-15.0 ms, deepgrad 12.0-16.4 ms); over 14 more runs that day, 0.77-1.08. The
kernels now take about as long as PyTorch's oneDNN LSTM; the rest of the step is 0.36 ms of
Python and NumPy bookkeeping (measured with the kernels replaced by no-ops) and about 0.6 ms
that the kernels lose to each other and to it (caches, the BLAS threads' hand-offs).

A later session, 17 runs: torch/deepgrad 0.85-1.13, median 1.00 (torch 11.7-15.2 ms,
deepgrad 11.7-15.8). In the step, normal state: forward kernel 3.6 ms, backward kernel 6.85, the
rest 0.95 (0.32 of it with the kernels replaced by no-ops: the same Python and NumPy work runs
three times slower on the caches the kernels leave). The step's 150 products run at 140-180
GFLOP/s, about 8.2 ms; the gate maths, about 1.3 ms, are compute-bound (five rational functions
an element, 16 at a time). Tried, and not kept:
- Half the batch on each of two threads, each with one-thread BLAS and its own buffers (no
  per-step hand-off at all): 0.3-1.4 ms faster for forward + backward alone, but only while
  SciPy's OpenBLAS worker sleeps. After any two-thread product it spins on a core for about 0.1 s
  (OpenBLAS 0.3.30 spins without yielding), and with it the split step took 19-22 ms against
  11.3. OpenBLAS's openblas_set_num_threads_local changes the count of every thread, so the rest
  of the process would have to run one-thread BLAS.
- The step product with K = 128, 136 or 144 instead of 137, and dh as (batch, units): no faster.
- Buffers aligned to 64 B, 4 KiB or 2 MiB, or advised to huge pages: no difference above noise.
In the slow spells (see README), the two-thread step products run exactly as fast as one thread
(forward 5.6 ms with either), with both threads 100% busy on their own virtual CPUs and nothing
stolen: the host then gives the two virtual CPUs one core's throughput. The spells come and go
within seconds to minutes, across processes.
"""

import argparse
import cProfile
import pstats
import time

import numpy as np
import torch

import deepgrad as dg
from bench_engine import time_alternating
from deepgrad import nn, optim
from deepgrad.engine import kernels
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
    parser.add_argument("--reference", action="store_true", help="run deepgrad's NumPy time loops, not the compiled")
    args = parser.parse_args()
    with kernels.use_compiled(not args.reference):
        run(args)


def run(args):
    torch.set_num_threads(2)
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32)
    y = rng.standard_normal((BATCH, 1)).astype(np.float32)

    start = time.perf_counter()
    model = deepgrad_model()
    torch_lstm, linear = torch_model_like(model)
    d_opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t_opt = torch.optim.SGD([*torch_lstm.parameters(), *linear.parameters()], lr=0.01, momentum=0.9)
    d_x, d_y, t_x, t_y = dg.tensor(x), dg.tensor(y), torch.tensor(x), torch.tensor(y)
    first = deepgrad_step(model, d_opt, d_x, d_y).item(), torch_step(torch_lstm, linear, t_opt, t_x, t_y).item()
    print(f"build and first steps (deepgrad compiles its kernels unless Numba has them cached): "
          f"{time.perf_counter() - start:.2f} s")
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
    name = f"LSTM {FEATURES}->{UNITS}, {STEPS} steps, batch {BATCH}, step" + (" (NumPy)" if args.reference else "")
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
