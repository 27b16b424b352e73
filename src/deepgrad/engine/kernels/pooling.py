"""Max-pooling in one pass: the compiled form of ops/pooling.py's max_pool (see there for the rules).

NumPy needs a pass over the output per window offset, each with a compare, a maximum and two
updates of the argmax; here each window is read once and its maximum and argmax written once,
planes (n, c) spread over the cores. The common 2×2 window is spelled out, which makes it about
ten times faster than the general loop (the compiler keeps the four values in registers).
Arrays may have any strides, so the "channels, batch" layout of convolution outputs needs no copy.
"""

from numba import njit, prange


@njit(parallel=True, cache=True)
def max_pool_forward(x, ph, pw, sh, sw, out, argbest):
    """out[n, c, i, j] = max of x[n, c, i·sh : i·sh + ph, j·sw : j·sw + pw], argbest its offset a·pw + b
    (the first maximum in row-major order wins ties; a NaN in the window makes out NaN)."""
    n, c, ho, wo = out.shape
    for plane in prange(n * c):
        p, q = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                top, left = i * sh, j * sw
                if ph == 2 and pw == 2:
                    best, k = x[p, q, top, left], 0
                    v = x[p, q, top, left + 1]
                    if v > best:
                        best, k = v, 1
                    elif v != v:
                        best = v
                    v = x[p, q, top + 1, left]
                    if v > best:
                        best, k = v, 2
                    elif v != v:
                        best = v
                    v = x[p, q, top + 1, left + 1]
                    if v > best:
                        best, k = v, 3
                    elif v != v:
                        best = v
                else:
                    best, k = x[p, q, top, left], 0
                    for a in range(ph):
                        for b in range(pw):
                            v = x[p, q, top + a, left + b]
                            if v > best:
                                best, k = v, a * pw + b
                            elif v != v:
                                best = v
                out[p, q, i, j] = best
                argbest[p, q, i, j] = k


@njit(parallel=True, cache=True)
def max_pool_backward(grad, argbest, pw, sh, sw, d_x):
    """d_x (zeros on entry) += each output's gradient at the place of its window's maximum."""
    n, c, ho, wo = grad.shape
    for plane in prange(n * c):
        p, q = plane // c, plane % c
        for i in range(ho):
            for j in range(wo):
                k = argbest[p, q, i, j]
                d_x[p, q, i * sh + k // pw, j * sw + k % pw] += grad[p, q, i, j]
