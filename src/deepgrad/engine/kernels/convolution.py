"""im2col and col2im in one pass each: the compiled form of ops/convolution.py's `im2col` and
`add_windows` (see there for the layouts).

Both work one (channel, image) plane at a time, planes spread over the cores: a plane of the input
is a few KB and stays in the cache while all kh·kw shifted copies of it are written (im2col) or
added up (col2im). The padding is handled on the fly, so the padded input is never built:
im2col reads zeros outside the image, col2im drops what falls outside it.

    columns[c, a, b, n, i, j] = x[n, c, i·sh + a·dh - top, j·sw + b·dw - left]   (0 outside x)
    d_x[n, c, y, z]           = Σ columns[c, a, b, n, i, j] over the (a, b, i, j) that read (y, z)
"""

from numba import njit, prange


@njit(cache=True)
def _inside(offset, stride, size, count):
    """The range [first, stop) of the j < count with 0 <= j·stride + offset < size."""
    first = max(0, (-offset + stride - 1) // stride)
    stop = min(count, (size - offset + stride - 1) // stride)
    return first, max(first, stop)


@njit(parallel=True, cache=True)
def im2col(x, kh, kw, sh, sw, dh, dw, top, left, columns):
    """Fill columns (C, kh, kw, N, Ho, Wo) with the windows of x (N, C, H, W), zero-padded."""
    n, c, h, w = x.shape
    ho, wo = columns.shape[4], columns.shape[5]
    for plane in prange(c * n):
        q, p = plane // n, plane % n
        for a in range(kh):
            for b in range(kw):
                for i in range(ho):
                    y = i * sh + a * dh - top
                    if y < 0 or y >= h:
                        for j in range(wo):
                            columns[q, a, b, p, i, j] = 0
                        continue
                    first, stop = _inside(b * dw - left, sw, w, wo)
                    for j in range(first):
                        columns[q, a, b, p, i, j] = 0
                    for j in range(first, stop):
                        columns[q, a, b, p, i, j] = x[p, q, y, j * sw + b * dw - left]
                    for j in range(stop, wo):
                        columns[q, a, b, p, i, j] = 0


@njit(parallel=True, cache=True)
def col2im(columns, sh, sw, dh, dw, top, left, d_x):
    """d_x (N, C, H, W) = the columns (C, kh, kw, N, Ho, Wo) added back where each window read from."""
    n, c, h, w = d_x.shape
    _, kh, kw, _, ho, wo = columns.shape
    for plane in prange(c * n):
        q, p = plane // n, plane % n
        for y in range(h):
            for z in range(w):
                d_x[p, q, y, z] = 0
        for a in range(kh):
            for b in range(kw):
                for i in range(ho):
                    y = i * sh + a * dh - top
                    if y < 0 or y >= h:
                        continue
                    first, stop = _inside(b * dw - left, sw, w, wo)
                    for j in range(first, stop):
                        d_x[p, q, y, j * sw + b * dw - left] += columns[q, a, b, p, i, j]
