"""Convolution's memory-bound passes, compiled: col2im's window sums and the fused bias + ReLU
after the matrix product (see ops/convolution.py for the layouts and the NumPy versions).

- `add_windows` is col2im's core for windows one column apart (column stride and dilation 1,
  the common case). NumPy adds the kh·kw window offsets as kh·kw strided passes whose inner rows
  are only Wo long, so it spends its time on loop overhead: 2.5 ms for the MNIST CNN's second
  convolution (32 channels, batch 64, 11×11 outputs), 15 ms for a CIFAR layer (32 channels,
  32×32). Here the innermost loop adds one contiguous row of a window into one contiguous row of
  the output, which the compiler turns into SIMD code: 0.65 ms and 5 ms. (A version taking the
  column stride as an argument could not vectorise and gained only 15%.)
- `add_bias_relu` and `relu_bias_backward` are conv's epilogue for activation="relu": NumPy needs a
  pass for the bias, one for the ReLU (into a new array) and, going back, one for the mask, one
  for the product and one for the bias's sum; here each direction is one pass. For the MNIST
  CNN's first layer (32 × 43,264 outputs) that is 0.19 ms against 0.76 forward, and 0.21 against
  0.95 backward.

They run on one core (see kernels/__init__.py).
"""

from numba import njit


@njit(cache=True)
def add_windows(columns, out, row_stride, row_dilation):
    """out (C, N, Hp, Wp) += each window of columns (C, kh, kw, N, Ho, Wo) at the place it was
    read from: out[c, n, a·dh + i·sh, b + j] += columns[c, a, b, n, i, j]."""
    channels, kh, kw, n, ho, wo = columns.shape
    for c in range(channels):
        for a in range(kh):
            for b in range(kw):
                for image in range(n):
                    for i in range(ho):
                        row = out[c, image, a * row_dilation + i * row_stride]
                        window_row = columns[c, a, b, image, i]
                        for j in range(wo):
                            row[b + j] += window_row[j]


@njit(cache=True)
def add_bias_relu(y, bias):
    """y (F, M) <- max(y + bias[:, None], 0), in place (NaN stays NaN, as in np.maximum)."""
    filters, m = y.shape
    for f in range(filters):
        row, b = y[f], bias[f]
        for j in range(m):
            v = row[j] + b
            row[j] = 0 if v <= 0 else v


@njit(cache=True, fastmath={"reassoc"})
def relu_bias_backward(grad, y, d_y, d_bias):
    """d_y (F, M) = grad where the ReLU's output y > 0, else 0; d_bias[f] = Σ_j d_y[f, j] (summed in
    float64; `reassoc` lets the sum run in SIMD lanes, and reorders nothing else)."""
    filters, m = y.shape
    for f in range(filters):
        total = 0.0
        g, out, d = grad[f], y[f], d_y[f]
        for j in range(m):
            v = g[j] if out[j] > 0 else 0
            d[j] = v
            total += v
        d_bias[f] = total
