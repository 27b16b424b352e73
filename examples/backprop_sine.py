"""Backpropagation by hand: a 1-32-1 network learns y = sin(x) with raw deepgrad tensors.

    python examples/backprop_sine.py

No layers, no optimizer: the forward pass is written with tensor ops, `loss.backward()`
fills every weight's `.grad`, and gradient descent moves each weight against its gradient.
"""

import math

import deepgrad as dg


def main(steps=2000, learning_rate=0.05, seed=0):
    dg.manual_seed(seed)
    x = dg.linspace(-math.pi, math.pi, 256).reshape(-1, 1)  # input layer: 256 samples, 1 feature
    y = dg.sin(x)  # the targets

    # hidden layer (32 tanh neurons) and output layer (1 linear neuron)
    w1 = (dg.randn(1, 32) * 1.0).requires_grad_()
    b1 = dg.zeros(32, requires_grad=True)
    w2 = (dg.randn(32, 1) * (1 / math.sqrt(32))).requires_grad_()
    b2 = dg.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    for step in range(steps + 1):
        prediction = dg.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((prediction - y) ** 2).mean()  # mean squared error
        loss.backward()  # backpropagation: d loss / d weight for every weight
        with dg.no_grad():  # gradient descent, outside the graph
            for p in params:
                p -= learning_rate * p.grad
                p.grad = None
        if step % 400 == 0:
            print(f"step {step:5d}  mean squared error {loss.item():.5f}")
    return loss.item()


if __name__ == "__main__":
    final = main()
    print(f"learned sin(x) on [-pi, pi] to a mean squared error of {final:.5f}")
