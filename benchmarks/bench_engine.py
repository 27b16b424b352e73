"""Per-op overhead and a raw-tensor MLP training step: deepgrad against PyTorch eager.

    python benchmarks/bench_engine.py [--rounds 15]

(a) a 50-op elementwise chain on 32×32 float32 tensors, forward and backward: this measures
    the tape's bookkeeping, since each NumPy op on 32×32 costs about a microsecond;
(b) one training step of a 784-256-128-10 MLP written with raw tensor ops (matmul, add, relu,
    log_softmax, indexing), batch 128, with an SGD-with-momentum update.

Both contenders run alternately in one process, and the medians are compared, because this
machine's speed drifts. Prints torch_time / deepgrad_time: above 1.0 means deepgrad is faster.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import deepgrad as dg


def chain(lib, x, w):
    """50 elementwise ops, the same in both libraries."""
    h = x
    for _ in range(5):
        h = h * w
        h = h + w
        h = lib.tanh(h)
        h = h * 0.5
        h = lib.sigmoid(h)
        h = h - w
        h = lib.relu(h)
        h = h / 2.0
        h = h + 1.0
        h = lib.log(h)
    return h.sum()


def chain_step(lib, x, w):
    chain(lib, x, w).backward()
    w.grad = None


def mlp_params(lib, make, rng):
    sizes = [784, 256, 128, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        params.append(make(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)))
        params.append(make(np.zeros(fan_out, np.float32)))
    return params


def mlp_step(lib, params, velocities, x, y, rows, lr=0.01, momentum=0.9):
    w1, b1, w2, b2, w3, b3 = params
    h = lib.relu(x @ w1 + b1)
    h = lib.relu(h @ w2 + b2)
    log_probs = lib.log_softmax(h @ w3 + b3, -1)
    loss = -log_probs[rows, y].mean()
    loss.backward()
    with lib.no_grad():
        for p, v in zip(params, velocities):
            v *= momentum
            v += p.grad
            p -= lr * v
            p.grad = None
    return loss


def time_alternating(contenders, rounds, block=20, warmup=3, pause=0.2):
    """Median seconds per call of each contender, running them in turn, a block at a time.

    Between blocks it sleeps `pause` seconds: after its work, each library's BLAS or OpenMP
    worker threads keep spinning for a while (OpenBLAS's for up to ~0.1 s) and would steal
    both cores from the other library's next block. Measured here, skipping the pause made
    PyTorch's MLP step look twice as slow as it is alone.
    """
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(pause)
            if isinstance(fn, ChildProcess):
                times[name].append(fn.time_block(warmup, block))
                continue
            for _ in range(warmup):
                fn()
            start = time.perf_counter()
            for _ in range(block):
                fn()
            times[name].append((time.perf_counter() - start) / block)
    return {name: statistics.median(t) for name, t in times.items()}


class ChildProcess:
    """A contender whose step runs in a child process, timed there a block at a time
    (`time_alternating` sends it "warmup block" and reads back seconds per step).

    `argv` starts a Python script that prints one line when it is ready (its first loss), then
    answers each "warmup block" line with the seconds per step of a timed block (see `serve`).
    The child gets DEEPGRAD_KEEP_FREED_MEMORY=0, so that PyTorch runs there with malloc as the
    system set it even if the script imports deepgrad: `import deepgrad` otherwise tells glibc's
    malloc to keep freed memory, which speeds up PyTorch's own steps in the same process too
    (its CIFAR CNN step: 92-93 ms alone, 67 ms with that setting)."""

    def __init__(self, argv):
        env = {**os.environ, "DEEPGRAD_KEEP_FREED_MEMORY": "0"}
        self.process = subprocess.Popen([sys.executable, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)
        self.first = float(self._answer())

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the benchmark's child process stopped (exit code {self.process.wait()})")
        return line

    def time_block(self, warmup, block):
        self.process.stdin.write(f"{warmup} {block}\n")
        self.process.stdin.flush()
        return float(self._answer())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def serve(step):
    """The child's side of ChildProcess: print the first step's loss, then time blocks on request."""
    print(step(), flush=True)
    for line in sys.stdin:
        warmup, block = map(int, line.split())
        for _ in range(warmup):
            step()
        start = time.perf_counter()
        for _ in range(block):
            step()
        print((time.perf_counter() - start) / block, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="blocks of 20 calls per contender")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)

    x = rng.standard_normal((32, 32)).astype(np.float32)
    w = rng.standard_normal((32, 32)).astype(np.float32)
    dx, dw = dg.tensor(x), dg.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x), torch.tensor(w, requires_grad=True)
    chain_times = time_alternating(
        {"deepgrad": lambda: chain_step(dg, dx, dw), "torch": lambda: chain_step(torch, tx, tw)}, args.rounds
    )

    batch = rng.standard_normal((128, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 128)
    rows = np.arange(128)
    d_params = mlp_params(dg, lambda a: dg.tensor(a, requires_grad=True), np.random.default_rng(1))
    t_params = mlp_params(torch, lambda a: torch.tensor(a, requires_grad=True), np.random.default_rng(1))
    d_vel = [dg.zeros_like(p) for p in d_params]
    t_vel = [torch.zeros_like(p) for p in t_params]
    d_batch, d_labels, d_rows = dg.tensor(batch), dg.tensor(labels), dg.tensor(rows)
    t_batch, t_labels, t_rows = torch.tensor(batch), torch.tensor(labels), torch.tensor(rows)
    mlp_times = time_alternating(
        {
            "deepgrad": lambda: mlp_step(dg, d_params, d_vel, d_batch, d_labels, d_rows),
            "torch": lambda: mlp_step(torch, t_params, t_vel, t_batch, t_labels, t_rows),
        },
        args.rounds,
    )

    print(f"{'workload':<44}{'torch ms':>10}{'deepgrad ms':>13}{'torch/deepgrad':>16}")
    for name, times in [("(a) 50-op elementwise chain, 32x32, fwd+bwd", chain_times),
                        ("(b) MLP 784-256-128-10 step, batch 128", mlp_times)]:
        ratio = times["torch"] / times["deepgrad"]
        print(f"{name:<44}{times['torch'] * 1e3:>10.3f}{times['deepgrad'] * 1e3:>13.3f}{ratio:>16.2f}")


if __name__ == "__main__":
    main()
