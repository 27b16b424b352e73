"""Winograd's F(4×4, 3×3) transforms for 3×3 stride-1 convolutions (see ops/winograd.py for the
algorithm, the layouts and where it is used), as compiled loops over 6×6 tiles.

A tile of the padded input d (6×6: rows 4i..4i+5, columns 4j..4j+5 of one image and channel) gives
the 36 numbers V = Bᵀ d B; the 36 numbers M of a tile of the products give the 4×4 outputs Aᵀ M A:

    Bᵀ = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
          [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]

The backward needs the adjoints: A Ȳ Aᵀ (4×4 -> 6×6) and B V̄ Bᵀ (6×6, added into the input's
gradient, where neighbouring tiles overlap by two rows and columns). Each 2-D transform is two 1-D
passes (`_bt`, `_at`, `_a`, `_b`): down the tile's columns, then along its rows.

Layouts. The transforms V, M and their gradients are (36, tiles, N): entry 6a + b of the 6×6 tile,
tile (c, i, j) of channel c at (c·th + i)·tw + j, and the N images last. Every loop runs over the
images, 16 at a time in AVX-512 registers; so each channel's plane of x is first copied into a
zero-padded (Hp, Wp, N) buffer: as is when x comes images last, (C, H, W, N) (`_plain_in`),
transposed, four images at a time, when it comes (C, N, H, W) (`_images_last`). The outputs are
written images last (`_plain_out`); the input's gradient goes back laid out as the input came.

Why each pass is written out once per row (`_input_along(..., 0, ...)`, `(..., 1, ...)`, ...):
with the row a loop variable, LLVM's run-time check that the loop's loads and stores do not
overlap failed, and every loop ran one number at a time (4-6 times slower); with the row a constant
the check passes and the loops run 16 wide.

They run on one core, as the other kernels (see kernels/__init__.py).
"""

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _constants(dtype):
    """2, 4, 5 and 8 in dtype: a literal would turn float32 arithmetic into float64."""
    return dtype.type(2), dtype.type(4), dtype.type(5), dtype.type(8)


@njit(cache=True, inline="always")
def _bt(d0, d1, d2, d3, d4, d5, k):
    """Bᵀ d (6 -> 6)."""
    two, four, five, _ = k
    return (four * d0 - five * d2 + d4, d3 + d4 - four * (d1 + d2), four * (d1 - d2) - d3 + d4,
            two * (d3 - d1) - d2 + d4, two * (d1 - d3) - d2 + d4, four * d1 - five * d3 + d5)


@njit(cache=True, inline="always")
def _at(m0, m1, m2, m3, m4, m5, k):
    """Aᵀ m (6 -> 4)."""
    two, four, _, eight = k
    return (m0 + m1 + m2 + m3 + m4, m1 - m2 + two * (m3 - m4), m1 + m2 + four * (m3 + m4),
            m1 - m2 + eight * (m3 - m4) + m5)


@njit(cache=True, inline="always")
def _a(y0, y1, y2, y3, k):
    """A y (4 -> 6), the adjoint of Aᵀ."""
    two, four, _, eight = k
    return (y0, y0 + y1 + y2 + y3, y0 - y1 + y2 - y3, y0 + two * y1 + four * y2 + eight * y3,
            y0 - two * y1 + four * y2 - eight * y3, y3)


@njit(cache=True, inline="always")
def _b(w0, w1, w2, w3, w4, w5, k):
    """B w (6 -> 6), the adjoint of Bᵀ."""
    two, four, five, _ = k
    return (four * w0, four * (w2 - w1 + w5) + two * (w4 - w3), -(five * w0) - four * (w1 + w2) - w3 - w4,
            w1 - w2 + two * (w3 - w4) - five * w5, w0 + w1 + w2 + w3 + w4, w5)


@njit(cache=True, inline="always")
def _images_last(x, plane, top, left):
    """plane[top + row, left + column, image] = x[image, row, column] (x (N, H, W), any strides).
    Four images at a time: each element is a store of its own, and four rows read at once made
    them 2-3 times faster than one image at a time."""
    n, h, w = x.shape
    quads = n - n % 4
    for image in range(0, quads, 4):
        for row in range(h):
            x0, x1, x2, x3 = x[image, row], x[image + 1, row], x[image + 2, row], x[image + 3, row]
            out = plane[top + row]
            for column in range(w):
                out[left + column, image] = x0[column]
                out[left + column, image + 1] = x1[column]
                out[left + column, image + 2] = x2[column]
                out[left + column, image + 3] = x3[column]
    for image in range(quads, n):
        for row in range(h):
            for column in range(w):
                plane[top + row, left + column, image] = x[image, row, column]


@njit(cache=True, inline="always")
def _images_last_where(x, mask, plane):
    """plane[row, column, image] = x[image, row, column] where mask[image, row, column] > 0 (a
    ReLU's output), else 0; as `_images_last`."""
    n, h, w = x.shape
    quads = n - n % 4
    zero = x.dtype.type(0)
    for image in range(0, quads, 4):
        for row in range(h):
            x0, x1, x2, x3 = x[image, row], x[image + 1, row], x[image + 2, row], x[image + 3, row]
            m0, m1, m2, m3 = mask[image, row], mask[image + 1, row], mask[image + 2, row], mask[image + 3, row]
            out = plane[row]
            for column in range(w):  # every number loaded first: the choices then compile to selects, not branches
                g0, g1, g2, g3 = x0[column], x1[column], x2[column], x3[column]
                k0, k1, k2, k3 = m0[column] > 0, m1[column] > 0, m2[column] > 0, m3[column] > 0
                out[column, image] = g0 if k0 else zero
                out[column, image + 1] = g1 if k1 else zero
                out[column, image + 2] = g2 if k2 else zero
                out[column, image + 3] = g3 if k3 else zero
    for image in range(quads, n):
        for row in range(h):
            for column in range(w):
                g, keep = x[image, row, column], mask[image, row, column] > 0
                plane[row, column, image] = g if keep else zero


@njit(cache=True, inline="always")
def _images_first(plane, top, left, y):
    """y[image, row, column] (y (N, H, W), any strides) = plane[top + row, left + column, image]:
    the inverse of `_images_last`, four images at a time as there."""
    n, h, w = y.shape
    quads = n - n % 4
    for image in range(0, quads, 4):
        for row in range(h):
            y0, y1, y2, y3 = y[image, row], y[image + 1, row], y[image + 2, row], y[image + 3, row]
            source = plane[top + row]
            for column in range(w):
                y0[column] = source[left + column, image]
                y1[column] = source[left + column, image + 1]
                y2[column] = source[left + column, image + 2]
                y3[column] = source[left + column, image + 3]
    for image in range(quads, n):
        for row in range(h):
            for column in range(w):
                y[image, row, column] = plane[top + row, left + column, image]


@njit(cache=True, inline="always")
def _plain_in(x, plane, top, left):
    """plane[top + row, left + column] = x[row, column] for x (H, W, N) laid out so (images last
    already): a copy 16 wide."""
    h, w, n = x.shape
    for row in range(h):
        for column in range(w):
            for z in range(n):
                plane[top + row, left + column, z] = x[row, column, z]


@njit(cache=True, inline="always")
def _plain_in_where(x, mask, plane):
    """plane[row, column] = x[row, column] where mask[row, column] > 0 (a ReLU's output), else 0;
    as `_plain_in`."""
    h, w, n = x.shape
    zero = x.dtype.type(0)
    for row in range(h):
        for column in range(w):
            for z in range(n):
                g, keep = x[row, column, z], mask[row, column, z] > 0
                plane[row, column, z] = g if keep else zero


@njit(cache=True, inline="always")
def _plain_out(plane, top, left, shift, relu, y):
    """y[row, column] (y (H, W, N), images last) = plane[top + row, left + column] + shift, then
    max(·, 0) if relu (NaN stays NaN): a copy 16 wide."""
    h, w, n = y.shape
    for row in range(h):
        for column in range(w):
            for z in range(n):
                value = plane[top + row, left + column, z] + shift
                y[row, column, z] = 0 if relu and value <= 0 else value


@njit(cache=True)
def input_transform(x, images_last, top, left, v, th, tw):
    """v[:, (c·th + i)·tw + j] = Bᵀ d B for every 6×6 tile d of x, zero-padded by top rows and
    left columns (and as many as the tiles need after). x: (C, H, W, N) C-contiguous if
    images_last (another Winograd layer's output), else (C, N, H, W) with any strides."""
    channels, n = x.shape[0], x.shape[3] if images_last else x.shape[1]
    k = _constants(x.dtype)
    wp = 4 * tw + 2
    plane = np.zeros((4 * th + 2, wp, n), x.dtype)  # one channel, padded, the images last
    columns = np.empty((th, 6, wp, n), x.dtype)  # Bᵀ d for every row of tiles, every column at once
    for c in range(channels):
        if images_last:
            _plain_in(x[c], plane, top, left)
        else:
            _images_last(x[c], plane, top, left)
        for i in range(th):
            for q in range(wp):
                _input_down(plane, i, q, columns, n, k)
        first = c * th * tw  # then V row by row for all the channel's tiles: six streams of writes, not 36
        _input_along(columns, 0, v, first, tw, n, k)
        _input_along(columns, 1, v, first, tw, n, k)
        _input_along(columns, 2, v, first, tw, n, k)
        _input_along(columns, 3, v, first, tw, n, k)
        _input_along(columns, 4, v, first, tw, n, k)
        _input_along(columns, 5, v, first, tw, n, k)


@njit(cache=True, inline="always")
def _input_down(plane, i, q, columns, n, k):
    """columns[i, :, q] = Bᵀ of plane's rows 4i..4i + 5 (tile row i) at column q."""
    row = 4 * i
    for z in range(n):
        e0, e1, e2, e3, e4, e5 = _bt(plane[row, q, z], plane[row + 1, q, z], plane[row + 2, q, z],
                                     plane[row + 3, q, z], plane[row + 4, q, z], plane[row + 5, q, z], k)
        columns[i, 0, q, z] = e0
        columns[i, 1, q, z] = e1
        columns[i, 2, q, z] = e2
        columns[i, 3, q, z] = e3
        columns[i, 4, q, z] = e4
        columns[i, 5, q, z] = e5


@njit(cache=True, inline="always")
def _input_along(columns, r, v, first, tw, n, k):
    """Row r of V (v[6r : 6r + 6]) for one channel's tiles, from tile `first` on: Bᵀ of
    columns[i, r, 4j : 4j + 6] for tile (i, j)."""
    for i in range(len(columns)):
        for j in range(tw):
            b, tile = 4 * j, first + i * tw + j
            for z in range(n):
                e0, e1, e2, e3, e4, e5 = _bt(columns[i, r, b, z], columns[i, r, b + 1, z],
                                             columns[i, r, b + 2, z], columns[i, r, b + 3, z],
                                             columns[i, r, b + 4, z], columns[i, r, b + 5, z], k)
                v[6 * r, tile, z] = e0
                v[6 * r + 1, tile, z] = e1
                v[6 * r + 2, tile, z] = e2
                v[6 * r + 3, tile, z] = e3
                v[6 * r + 4, tile, z] = e4
                v[6 * r + 5, tile, z] = e5


@njit(cache=True)
def output_transform(m, y, th, tw, bias, relu):
    """y (F, Ho, Wo, N) = Aᵀ M A of every tile of m, plus bias (F,), then max(·, 0) if relu (NaN
    stays NaN); a tile's outputs past Ho or Wo are dropped. y keeps the images last, as the
    transforms do: the next Winograd layer or 2×2 max-pooling reads it without transposing."""
    filters, ho, wo, n = y.shape
    k = _constants(m.dtype)
    plane = np.empty((4 * th, 4 * tw, n), m.dtype)  # one filter's outputs, the images last
    partial = np.empty((4, 6, n), m.dtype)  # Aᵀ M of one tile
    for f in range(filters):
        for i in range(th):
            for j in range(tw):
                tile = (f * th + i) * tw + j
                _output_down(m, tile, 0, partial, n, k)
                _output_down(m, tile, 1, partial, n, k)
                _output_down(m, tile, 2, partial, n, k)
                _output_down(m, tile, 3, partial, n, k)
                _output_down(m, tile, 4, partial, n, k)
                _output_down(m, tile, 5, partial, n, k)
                _output_along(partial, 0, plane, 4 * i, 4 * j, n, k)
                _output_along(partial, 1, plane, 4 * i, 4 * j, n, k)
                _output_along(partial, 2, plane, 4 * i, 4 * j, n, k)
                _output_along(partial, 3, plane, 4 * i, 4 * j, n, k)
        _plain_out(plane, 0, 0, bias[f], relu, y[f])


@njit(cache=True, inline="always")
def _output_down(m, tile, b, partial, n, k):
    """partial[:, b] = Aᵀ of column b of the tile's M."""
    for z in range(n):
        e0, e1, e2, e3 = _at(m[b, tile, z], m[6 + b, tile, z], m[12 + b, tile, z], m[18 + b, tile, z],
                             m[24 + b, tile, z], m[30 + b, tile, z], k)
        partial[0, b, z] = e0
        partial[1, b, z] = e1
        partial[2, b, z] = e2
        partial[3, b, z] = e3


@njit(cache=True, inline="always")
def _output_along(partial, r, plane, row, column, n, k):
    """plane[row + r, column : column + 4] = Aᵀ of partial[r]."""
    for z in range(n):
        e0, e1, e2, e3 = _at(partial[r, 0, z], partial[r, 1, z], partial[r, 2, z], partial[r, 3, z],
                             partial[r, 4, z], partial[r, 5, z], k)
        plane[row + r, column, z] = e0
        plane[row + r, column + 1, z] = e1
        plane[row + r, column + 2, z] = e2
        plane[row + r, column + 3, z] = e3


@njit(cache=True)
def output_transform_adjoint(dy, y, relu, images_last, m, d_bias, th, tw):
    """m[:, (f·th + i)·tw + j] = A Ȳ Aᵀ for every 4×4 tile Ȳ of dy (zeros past Ho or Wo): the
    gradient with respect to the tiles of the products. With relu, dy counts only where the
    ReLU's output y > 0; d_bias[f] = the sum of what counts of dy[f] (summed in float64). dy and
    y: (F, Ho, Wo, N) C-contiguous if images_last, else (F, N, Ho, Wo) with any strides."""
    filters = dy.shape[0]
    n, ho, wo = (dy.shape[3], dy.shape[1], dy.shape[2]) if images_last else (dy.shape[1], dy.shape[2], dy.shape[3])
    k = _constants(dy.dtype)
    plane = np.zeros((4 * th, 4 * tw, n), dy.dtype)  # one filter's dy, the images last
    partial = np.empty((6, 4, n), dy.dtype)  # A Ȳ of one tile
    sums = np.empty(n)  # d_bias's sums, image by image: lanes of a SIMD register, not one chain of additions
    for f in range(filters):
        if images_last and relu:
            _plain_in_where(dy[f], y[f], plane)
        elif images_last:
            _plain_in(dy[f], plane, 0, 0)
        elif relu:
            _images_last_where(dy[f], y[f], plane)
        else:
            _images_last(dy[f], plane, 0, 0)
        sums[:] = 0
        for row in range(ho):
            for column in range(wo):
                for z in range(n):
                    sums[z] += plane[row, column, z]
        d_bias[f] = sums.sum()
        for i in range(th):
            for j in range(tw):
                tile = (f * th + i) * tw + j
                _adjoint_output_down(plane, 4 * i, 4 * j, 0, partial, n, k)
                _adjoint_output_down(plane, 4 * i, 4 * j, 1, partial, n, k)
                _adjoint_output_down(plane, 4 * i, 4 * j, 2, partial, n, k)
                _adjoint_output_down(plane, 4 * i, 4 * j, 3, partial, n, k)
                _adjoint_output_along(partial, 0, m, tile, n, k)
                _adjoint_output_along(partial, 1, m, tile, n, k)
                _adjoint_output_along(partial, 2, m, tile, n, k)
                _adjoint_output_along(partial, 3, m, tile, n, k)
                _adjoint_output_along(partial, 4, m, tile, n, k)
                _adjoint_output_along(partial, 5, m, tile, n, k)


@njit(cache=True, inline="always")
def _adjoint_output_down(plane, row, column, s, partial, n, k):
    """partial[:, s] = A of plane's rows row..row + 3 at column column + s."""
    for z in range(n):
        e0, e1, e2, e3, e4, e5 = _a(plane[row, column + s, z], plane[row + 1, column + s, z],
                                    plane[row + 2, column + s, z], plane[row + 3, column + s, z], k)
        partial[0, s, z] = e0
        partial[1, s, z] = e1
        partial[2, s, z] = e2
        partial[3, s, z] = e3
        partial[4, s, z] = e4
        partial[5, s, z] = e5


@njit(cache=True, inline="always")
def _adjoint_output_along(partial, r, m, tile, n, k):
    """Row r of the tile's M̄ (m[6r : 6r + 6, tile]) = A of partial[r]."""
    for z in range(n):
        e0, e1, e2, e3, e4, e5 = _a(partial[r, 0, z], partial[r, 1, z], partial[r, 2, z], partial[r, 3, z], k)
        m[6 * r, tile, z] = e0
        m[6 * r + 1, tile, z] = e1
        m[6 * r + 2, tile, z] = e2
        m[6 * r + 3, tile, z] = e3
        m[6 * r + 4, tile, z] = e4
        m[6 * r + 5, tile, z] = e5


@njit(cache=True)
def input_transform_adjoint(dv, top, left, dx, images_last, th, tw):
    """dx = the sum of B V̄ Bᵀ over the tiles of dv, each added where its tile was read from
    (tiles overlap by two rows and columns), the padding cut off. dx: (C, H, W, N) if images_last
    (as the input came), else (C, N, H, W)."""
    channels, n = dx.shape[0], dx.shape[3] if images_last else dx.shape[1]
    k = _constants(dv.dtype)
    plane = np.empty((4 * th + 2, 4 * tw + 2, n), dv.dtype)  # one channel's padded gradient
    partial = np.empty((th * tw, 6, 6, n), dv.dtype)  # B V̄ of each of one channel's tiles
    tile = np.empty((6, 6, n), dv.dtype)  # B V̄ Bᵀ of one tile
    for c in range(channels):
        first = c * th * tw  # V̄ row by row for all the channel's tiles: six streams of reads, not 36
        _adjoint_input_down(dv, first, 0, partial, n, k)
        _adjoint_input_down(dv, first, 1, partial, n, k)
        _adjoint_input_down(dv, first, 2, partial, n, k)
        _adjoint_input_down(dv, first, 3, partial, n, k)
        _adjoint_input_down(dv, first, 4, partial, n, k)
        _adjoint_input_down(dv, first, 5, partial, n, k)
        plane[:] = 0
        for i in range(th):
            for j in range(tw):
                t = i * tw + j
                _adjoint_input_along(partial, t, 0, tile, n, k)
                _adjoint_input_along(partial, t, 1, tile, n, k)
                _adjoint_input_along(partial, t, 2, tile, n, k)
                _adjoint_input_along(partial, t, 3, tile, n, k)
                _adjoint_input_along(partial, t, 4, tile, n, k)
                _adjoint_input_along(partial, t, 5, tile, n, k)
                # added in a loop of its own: tiles overlap, and a loop that read and wrote
                # plane[.., column + q] for six q at once ran one number at a time
                for r in range(6):
                    for q in range(6):
                        for z in range(n):
                            plane[4 * i + r, 4 * j + q, z] += tile[r, q, z]
        if images_last:
            _plain_out(plane, top, left, dv.dtype.type(0), False, dx[c])
        else:
            _images_first(plane, top, left, dx[c])


@njit(cache=True, inline="always")
def _adjoint_input_down(dv, first, b, partial, n, k):
    """partial[t, :, b] = B of column b of V̄, for one channel's tiles t from tile `first` on."""
    for t in range(len(partial)):
        for z in range(n):
            e0, e1, e2, e3, e4, e5 = _b(dv[b, first + t, z], dv[6 + b, first + t, z], dv[12 + b, first + t, z],
                                        dv[18 + b, first + t, z], dv[24 + b, first + t, z], dv[30 + b, first + t, z], k)
            partial[t, 0, b, z] = e0
            partial[t, 1, b, z] = e1
            partial[t, 2, b, z] = e2
            partial[t, 3, b, z] = e3
            partial[t, 4, b, z] = e4
            partial[t, 5, b, z] = e5


@njit(cache=True, inline="always")
def _adjoint_input_along(partial, t, r, tile, n, k):
    """tile[r] = B of partial[t, r]: row r of the tile's B V̄ Bᵀ."""
    for z in range(n):
        e0, e1, e2, e3, e4, e5 = _b(partial[t, r, 0, z], partial[t, r, 1, z], partial[t, r, 2, z],
                                    partial[t, r, 3, z], partial[t, r, 4, z], partial[t, r, 5, z], k)
        tile[r, 0, z] = e0
        tile[r, 1, z] = e1
        tile[r, 2, z] = e2
        tile[r, 3, z] = e3
        tile[r, 4, z] = e4
        tile[r, 5, z] = e5
