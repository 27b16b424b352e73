"""Winograd's F(2×2, 3×3) transforms for 3×3 stride-1 convolutions (see ops/winograd.py for the
algorithm, the layouts and where it is used), as compiled loops over 4×4 tiles.

A tile of the padded input d (4×4, rows 2i..2i+3 and columns 2j..2j+3 of one image and channel)
gives the 16 numbers V = Bᵀ d B; the 16 numbers M of a tile of the product give the 2×2 outputs
Aᵀ M A. With

    Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],   Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]

each is a few additions per number. The backward needs the adjoints: A Ȳ Aᵀ (2×2 -> 4×4) and
B V̄ Bᵀ (4×4 -> 4×4, added into the input's gradient, where neighbouring tiles overlap by two
rows and columns).

The arrays: x (C, N, Hp, Wp); the transforms (16, C, P) with P = N·th·tw tiles, tile (n, i, j) at
p = (n·th + i)·tw + j, entry a·4 + b for row a, column b of the 4×4 tile. They run on one core,
as the other kernels (see kernels/__init__.py).
"""

from numba import njit


@njit(cache=True)
def input_transform(x, v, th, tw):
    """v[:, c, p] = Bᵀ d B for every tile d of x (C, N, Hp, Wp), Hp >= 2·th + 2, Wp >= 2·tw + 2."""
    channels, n = x.shape[0], x.shape[1]
    for c in range(channels):
        for image in range(n):
            for i in range(th):
                rows = x[c, image]
                r0, r1, r2, r3 = rows[2 * i], rows[2 * i + 1], rows[2 * i + 2], rows[2 * i + 3]
                first = (image * th + i) * tw
                for j in range(tw):
                    p, b = first + j, 2 * j
                    # Bᵀ d, column by column (k): entry a of column k is row a of the result
                    a00, a10, a20, a30 = _bt(r0[b], r1[b], r2[b], r3[b])
                    a01, a11, a21, a31 = _bt(r0[b + 1], r1[b + 1], r2[b + 1], r3[b + 1])
                    a02, a12, a22, a32 = _bt(r0[b + 2], r1[b + 2], r2[b + 2], r3[b + 2])
                    a03, a13, a23, a33 = _bt(r0[b + 3], r1[b + 3], r2[b + 3], r3[b + 3])
                    # (Bᵀ d) B: the same combination of each row's 4 numbers
                    v[0, c, p], v[1, c, p], v[2, c, p], v[3, c, p] = _bt(a00, a01, a02, a03)
                    v[4, c, p], v[5, c, p], v[6, c, p], v[7, c, p] = _bt(a10, a11, a12, a13)
                    v[8, c, p], v[9, c, p], v[10, c, p], v[11, c, p] = _bt(a20, a21, a22, a23)
                    v[12, c, p], v[13, c, p], v[14, c, p], v[15, c, p] = _bt(a30, a31, a32, a33)


@njit(cache=True, inline="always")
def _bt(d0, d1, d2, d3):
    """Bᵀ d for Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@njit(cache=True)
def output_transform(m, y, th, tw):
    """y (F, N, Ho, Wo) = Aᵀ M A of every tile of m (16, F, P); a tile's outputs past Ho or Wo
    (odd sizes) are dropped."""
    filters, n, ho, wo = y.shape
    for f in range(filters):
        for image in range(n):
            for i in range(th):
                first = (image * th + i) * tw
                for j in range(tw):
                    p = first + j
                    # Aᵀ M: rows m0 + m1 + m2 and m1 - m2 - m3 of the tile's 4 rows
                    s0 = m[0, f, p] + m[4, f, p] + m[8, f, p]
                    s1 = m[1, f, p] + m[5, f, p] + m[9, f, p]
                    s2 = m[2, f, p] + m[6, f, p] + m[10, f, p]
                    s3 = m[3, f, p] + m[7, f, p] + m[11, f, p]
                    t0 = m[4, f, p] - m[8, f, p] - m[12, f, p]
                    t1 = m[5, f, p] - m[9, f, p] - m[13, f, p]
                    t2 = m[6, f, p] - m[10, f, p] - m[14, f, p]
                    t3 = m[7, f, p] - m[11, f, p] - m[15, f, p]
                    row, column = 2 * i, 2 * j
                    y[f, image, row, column] = s0 + s1 + s2
                    if column + 1 < wo:
                        y[f, image, row, column + 1] = s1 - s2 - s3
                    if row + 1 < ho:
                        y[f, image, row + 1, column] = t0 + t1 + t2
                        if column + 1 < wo:
                            y[f, image, row + 1, column + 1] = t1 - t2 - t3


@njit(cache=True)
def output_transform_adjoint(dy, m, th, tw):
    """m[:, f, p] = A Ȳ Aᵀ for the 2×2 tile Ȳ of dy (F, N, Ho, Wo) (zeros past Ho or Wo): the
    gradient with respect to the tiles of the product."""
    filters, n, ho, wo = dy.shape
    zero = dy.dtype.type(0)
    for f in range(filters):
        for image in range(n):
            for i in range(th):
                first = (image * th + i) * tw
                row = 2 * i
                for j in range(tw):
                    p, column = first + j, 2 * j
                    y00 = dy[f, image, row, column]
                    y01 = dy[f, image, row, column + 1] if column + 1 < wo else zero
                    y10 = dy[f, image, row + 1, column] if row + 1 < ho else zero
                    y11 = dy[f, image, row + 1, column + 1] if row + 1 < ho and column + 1 < wo else zero
                    # A Ȳ: rows y0, y0 + y1, y0 - y1, -y1 of Ȳ's two rows; then each row (u, v) -> (u, u + v, u - v, -v)
                    _a_row(m, 0, f, p, y00, y01)
                    _a_row(m, 4, f, p, y00 + y10, y01 + y11)
                    _a_row(m, 8, f, p, y00 - y10, y01 - y11)
                    _a_row(m, 12, f, p, -y10, -y11)


@njit(cache=True, inline="always")
def _a_row(m, first, f, p, u, v):
    """m[first : first + 4, f, p] = A (u, v) for A = (Aᵀ)ᵀ = [[1, 0], [1, 1], [1, -1], [0, -1]]."""
    m[first, f, p] = u
    m[first + 1, f, p] = u + v
    m[first + 2, f, p] = u - v
    m[first + 3, f, p] = -v


@njit(cache=True)
def input_transform_adjoint(dv, dx, th, tw):
    """dx (C, N, Hp, Wp) += B V̄ Bᵀ of every tile of dv (16, C, P), at the place the tile was read
    from (tiles overlap by two rows and columns, so this adds)."""
    channels, n = dx.shape[0], dx.shape[1]
    for c in range(channels):
        for image in range(n):
            for i in range(th):
                first = (image * th + i) * tw
                for j in range(tw):
                    p = first + j
                    # B V̄, column b: rows v0, v1 - v2 + v3, -v0 + v1 + v2, -v3 of the column's 4 numbers
                    k0, k1, k2, k3 = _b_rows(dv[0, c, p], dv[4, c, p], dv[8, c, p], dv[12, c, p])
                    l0, l1, l2, l3 = _b_rows(dv[1, c, p], dv[5, c, p], dv[9, c, p], dv[13, c, p])
                    q0, q1, q2, q3 = _b_rows(dv[2, c, p], dv[6, c, p], dv[10, c, p], dv[14, c, p])
                    s0, s1, s2, s3 = _b_rows(dv[3, c, p], dv[7, c, p], dv[11, c, p], dv[15, c, p])
                    # (B V̄) Bᵀ, row a: the same combination of that row's 4 numbers, added into place
                    _add_row(dx[c, image, 2 * i], 2 * j, k0, l0, q0, s0)
                    _add_row(dx[c, image, 2 * i + 1], 2 * j, k1, l1, q1, s1)
                    _add_row(dx[c, image, 2 * i + 2], 2 * j, k2, l2, q2, s2)
                    _add_row(dx[c, image, 2 * i + 3], 2 * j, k3, l3, q3, s3)


@njit(cache=True, inline="always")
def _b_rows(w0, w1, w2, w3):
    """B w for B = (Bᵀ)ᵀ = [[1, 0, 0, 0], [0, 1, -1, 1], [-1, 1, 1, 0], [0, 0, 0, -1]]."""
    return w0, w1 - w2 + w3, -w0 + w1 + w2, -w3


@njit(cache=True, inline="always")
def _add_row(out, first, e0, e1, e2, e3):
    """out[first : first + 4] += B e."""
    b0, b1, b2, b3 = _b_rows(e0, e1, e2, e3)
    out[first] += b0
    out[first + 1] += b1
    out[first + 2] += b2
    out[first + 3] += b3
