"""Training steps of an MLP and two CNNs: deepgrad's layers against torch.nn, in one process.

    python benchmarks/bench_cnn.py [--rounds 10] [--workloads mlp mnist cifar] [--no-memory] [--profile [mnist]]
                                   [--torch-process same|own]

(a) MLP 784-256-128-10 (ReLU), batch 128;
(b) MNIST CNN: Conv(32, 3)-ReLU-MaxPool(2)-Conv(64, 3)-ReLU-MaxPool(2)-Flatten-Dense(128, ReLU)-Dense(10),
    batch 64 of 1×28×28;
(c) CIFAR CNN: Conv(32, 3, pad 1)-ReLU ×2, MaxPool(2), Conv(64, 3, pad 1)-ReLU ×2, MaxPool(2), Flatten,
    Dense(256, ReLU), Dense(10), batch 64 of 3×32×32.
A step is the forward pass, sparse categorical cross-entropy from logits, backward, and SGD with
momentum 0.9: nn.Sequential + optim.SGD + nn.losses against torch.nn + torch.optim.SGD, starting
from the same weights (the first losses are checked to agree).

Timing: both contenders alternate in blocks with a pause between blocks, and the medians are
compared (bench_engine.time_alternating: this machine's speed drifts). torch/deepgrad above 1.0
means deepgrad is faster. By default PyTorch runs in this process, where `import deepgrad` has told
glibc's malloc to keep freed memory, which speeds PyTorch up too (CIFAR CNN 92-93 ms alone, 67 ms
with it); --torch-process own times it in a child process with malloc as the system set it, as a
PyTorch user runs it (the blocks still alternate).

Memory, each in a fresh child process so that one measurement cannot hide another: "RSS" is how
far the process's resident memory peaks above its level before 3 training steps (the model,
optimizer and batch already made), for either library: Linux's peak (VmHWM) is reset through
/proc/self/clear_refs first, so the imports' own peak does not hide it. deepgrad's "traced" is
tracemalloc's peak over one step, i.e. the NumPy arrays alive at once (PyTorch's CPU allocator does
not report to tracemalloc, so it has only the RSS figure).
"""

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tracemalloc

import numpy as np
import torch

import deepgrad as dg
from bench_engine import ChildProcess, serve, time_alternating
from deepgrad import nn, optim
from deepgrad.nn.layers.convolutional import Conv2D
from deepgrad.nn.layers.pooling import MaxPool2D

BATCH = {"mlp": 128, "mnist": 64, "cifar": 64}
INPUT = {"mlp": (784,), "mnist": (1, 28, 28), "cifar": (3, 32, 32)}
TITLE = {"mlp": "(a) MLP 784-256-128-10, batch 128", "mnist": "(b) MNIST CNN, batch 64",
         "cifar": "(c) CIFAR CNN, batch 64"}
BLOCK = {"mlp": 20, "mnist": 5, "cifar": 2}  # steps per timed block


def deepgrad_model(workload):
    if workload == "mlp":
        layers = [nn.Dense(256, activation="relu"), nn.Dense(128, activation="relu"), nn.Dense(10)]
    elif workload == "mnist":
        layers = [Conv2D(32, 3, activation="relu"), MaxPool2D(2), Conv2D(64, 3, activation="relu"), MaxPool2D(2),
                  nn.Flatten(), nn.Dense(128, activation="relu"), nn.Dense(10)]
    else:
        layers = [Conv2D(32, 3, padding=1, activation="relu"), Conv2D(32, 3, padding=1, activation="relu"),
                  MaxPool2D(2), Conv2D(64, 3, padding=1, activation="relu"),
                  Conv2D(64, 3, padding=1, activation="relu"), MaxPool2D(2), nn.Flatten(),
                  nn.Dense(256, activation="relu"), nn.Dense(10)]
    return nn.Sequential(layers)


def torch_model(workload, weights):
    """The same network in torch.nn, with deepgrad's weights (Dense's (in, units) transposed)."""
    tn = torch.nn
    if workload == "mlp":
        layers = [tn.Linear(784, 256), tn.ReLU(), tn.Linear(256, 128), tn.ReLU(), tn.Linear(128, 10)]
    elif workload == "mnist":
        layers = [tn.Conv2d(1, 32, 3), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(32, 64, 3), tn.ReLU(), tn.MaxPool2d(2),
                  tn.Flatten(), tn.Linear(1600, 128), tn.ReLU(), tn.Linear(128, 10)]
    else:
        layers = [tn.Conv2d(3, 32, 3, padding=1), tn.ReLU(), tn.Conv2d(32, 32, 3, padding=1), tn.ReLU(),
                  tn.MaxPool2d(2), tn.Conv2d(32, 64, 3, padding=1), tn.ReLU(), tn.Conv2d(64, 64, 3, padding=1),
                  tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(), tn.Linear(4096, 256), tn.ReLU(), tn.Linear(256, 10)]
    model = tn.Sequential(*layers)
    with torch.no_grad():
        for param, value in zip(model.parameters(), weights):
            param.copy_(torch.from_numpy(value.T.copy() if value.ndim == 2 else value))
    return model


def setup(workload, library):
    """(step function, first loss) for `library`; the models start from the same weights."""
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH[workload], *INPUT[workload])).astype(np.float32)
    y = rng.integers(0, 10, BATCH[workload])
    model = deepgrad_model(workload)
    model(dg.tensor(x[:1]))
    if library == "deepgrad":
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xd, yd = dg.tensor(x), dg.tensor(y)

        def step():
            loss = nn.losses.sparse_categorical_crossentropy(yd, model(xd), from_logits=True)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()
    else:
        tmodel = torch_model(workload, [p.numpy() for p in model.parameters()])
        opt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            loss = torch.nn.functional.cross_entropy(tmodel(xt), yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()
    return step


def _resident_kb():
    """{"VmRSS": now, "VmHWM": peak} resident memory of this process, in KiB (Linux)."""
    with open("/proc/self/status") as status:
        return {key: int(value.split()[0]) for key, value in (line.split(":", 1) for line in status)
                if key in ("VmRSS", "VmHWM")}


def measure_memory(workload, library):
    """Runs in a child process: prints {"rss_mb": ..., "traced_mb": ...} as JSON."""
    torch.set_num_threads(2)
    step = setup(workload, library)
    before = _resident_kb()["VmRSS"]
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets the peak (VmHWM) to the current resident size
    for _ in range(3):
        step()
    result = {"rss_mb": (_resident_kb()["VmHWM"] - before) / 1024}
    if library == "deepgrad":
        tracemalloc.start()
        step()
        result["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(result))


def memory_in_child(workload, library, stock_malloc=False):
    env = {**os.environ, "DEEPGRAD_KEEP_FREED_MEMORY": "0"} if stock_malloc else None
    out = subprocess.run([sys.executable, __file__, "--memory-child", workload, library], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def profile(workload, steps=10):
    """cProfile of deepgrad's training step: the functions with the most time of their own."""
    step = setup(workload, "deepgrad")
    for _ in range(3):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    print(f"\ncProfile of {steps} deepgrad steps of {TITLE[workload]} (tottime: time in the function itself, "
          f"array operators such as @ and += included):")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(18)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="alternating blocks per contender")
    parser.add_argument("--workloads", nargs="+", default=["mlp", "mnist", "cifar"], choices=list(BATCH))
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    parser.add_argument("--profile", nargs="?", const="mnist", choices=list(BATCH),
                        help="print a cProfile of deepgrad's step of this workload (default: mnist)")
    parser.add_argument("--torch-process", choices=["same", "own"], default="same",
                        help="time PyTorch in this process (default) or in its own, where malloc keeps the "
                             "system's settings (see bench_engine.ChildProcess)")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--torch-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return measure_memory(*args.memory_child)
    torch.set_num_threads(2)
    if args.torch_child:
        return serve(setup(args.torch_child, "torch"))

    rows = []
    for workload in args.workloads:
        steps = {"deepgrad": setup(workload, "deepgrad")}
        if args.torch_process == "own":
            steps["torch"] = ChildProcess([__file__, "--torch-child", workload])
        else:
            steps["torch"] = setup(workload, "torch")
        first = {"deepgrad": steps["deepgrad"]()}
        first["torch"] = steps["torch"].first if args.torch_process == "own" else steps["torch"]()
        if abs(first["deepgrad"] - first["torch"]) > 1e-4 * max(1.0, abs(first["torch"])):
            raise SystemExit(f"{workload}: the first losses differ ({first}); the two models are not the same")
        times = time_alternating(steps, args.rounds, block=BLOCK[workload], warmup=1)
        if args.torch_process == "own":
            steps["torch"].close()
        memory = {} if args.no_memory else {
            lib: memory_in_child(workload, lib, stock_malloc=lib == "torch" and args.torch_process == "own")
            for lib in ("deepgrad", "torch")}
        rows.append((workload, times, memory))

    print(f"PyTorch timed in {'its own process' if args.torch_process == 'own' else 'this process'}")
    print(f"{'workload':<36}{'torch ms':>10}{'deepgrad ms':>13}{'torch/deepgrad':>16}"
          f"{'torch RSS MB':>14}{'dg RSS MB':>11}{'dg traced MB':>14}")
    for workload, times, memory in rows:
        ratio = times["torch"] / times["deepgrad"]
        mem = (f"{memory['torch']['rss_mb']:>14.1f}{memory['deepgrad']['rss_mb']:>11.1f}"
               f"{memory['deepgrad']['traced_mb']:>14.1f}") if memory else ""
        print(f"{TITLE[workload]:<36}{times['torch'] * 1e3:>10.2f}{times['deepgrad'] * 1e3:>13.2f}{ratio:>16.2f}{mem}")
    if args.profile:
        profile(args.profile)


if __name__ == "__main__":
    main()
