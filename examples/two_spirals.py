"""Two spirals: a network with input, hidden and output layers learns to tell two arms apart.

    python examples/two_spirals.py

The PyTorch-style loop, written out: the model makes a prediction, the loss measures the
error, `loss.backward()` computes every gradient by backpropagation, and `optimizer.step()`
moves each weight a little against its gradient. One pass over the data is an epoch; the data
goes through in mini-batches of `batch_size` points.
"""

import time

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data.datasets import make_spirals


def main(epochs=300, batch_size=100, learning_rate=0.01, seed=0):
    dg.manual_seed(seed)
    x, y = make_spirals(n_samples=1000, noise=0.2, seed=seed)  # two arms, labels 0 and 1
    y = y.astype(np.float32).reshape(-1, 1)  # one target per sample, as the one-logit output
    model = nn.Sequential([
        nn.Dense(64, activation="tanh"),  # hidden layer 1
        nn.Dense(64, activation="tanh"),  # hidden layer 2
        nn.Dense(1),  # output layer: one logit, the evidence for "arm 1"
    ])
    model(dg.tensor(x[:1]))  # the first call makes the weights
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    loss_fn = nn.losses.BinaryCrossentropy(from_logits=True)

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch_size):
            batch = order[first : first + batch_size]
            loss = loss_fn(dg.tensor(y[batch]), model(dg.tensor(x[batch])))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch % 50 == 0:
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}")
    with dg.no_grad():
        accuracy = float(((model(dg.tensor(x)).numpy() > 0) == (y > 0.5)).mean())
    print(f"accuracy {accuracy:.1%} on {len(x)} points after {epochs} epochs ({time.perf_counter() - start:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main()
