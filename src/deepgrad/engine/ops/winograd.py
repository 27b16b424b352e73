"""Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016): 3×3, stride-1 convolutions
with 2.25 times fewer multiplications than im2col's one product, for `conv` to use where it pays.

Each 2×2 block of outputs comes from a 4×4 tile of the padded input d (tiles two apart, so they
overlap) and the 3×3 filter g as

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A         (G: 4×3, Bᵀ: 4×4, Aᵀ: 2×4; see kernels/winograd.py)

16 multiplications where the direct sum takes 36. Summed over the input channels, each of the 16
positions ξ of the 4×4 transforms is one matrix product, U_ξ (F, C) @ V_ξ (C, tiles), so a
layer is: the input transform (a compiled pass over x), 16 products, the output transform (a pass
over the products). The backward uses the same tiles: with M̄ = A Ȳ Aᵀ, the gradient of the
products, dU_ξ = M̄_ξ @ V_ξᵀ gives the filters' gradient (Gᵀ dU G) and dV_ξ = U_ξᵀ @ M̄_ξ the input's
(B dV Bᵀ, added back where each tile was read). F(2×2, 3×3)'s transforms hold only 0, ±1 and ±½,
so it loses no accuracy to speak of. Larger tiles, F(4×4, 3×3), need 36 products of 4·4 outputs
each, 1.8 times fewer multiplications again, and passed the same tests (float32 error 2e-6); but
their 6×6 transforms, written as plainly as these, took 1.3-1.6 times as long as these, and the
layers came out no faster.

Where it pays and what it gained: see `applies`. The (16, ·, tiles) arrays are laid out with each
of the 16 blocks 64 bytes further on than it needs: blocks a power of two apart in memory map to
the same cache sets, and the transforms, which read or write all 16 at once, ran 2-5 times slower.
"""

from deepgrad.engine import backend, kernels

G = backend.numpy.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
TILE = 2  # outputs per side of a tile; each reads TILE + 2 = 4 rows and columns of the padded input
MIN_CHANNELS, MIN_OUTPUT = 16, 16  # where it pays (see `applies`); the tests lower them


def applies(x, weight, stride, dilation, groups, pads):
    """Whether conv(x, weight) runs as Winograd's F(2×2, 3×3): a 3×3 kernel, stride and dilation 1,
    one group, padding of at most 2 on every side, float32 or float64 NumPy arrays with the
    compiled kernels available, at least MIN_CHANNELS input channels and outputs at least
    MIN_OUTPUT × MIN_OUTPUT. Measured in the CNNs of benchmarks/bench_cnn.py (batch 64, forward +
    backward of one layer, against im2col): 36 -> 25 ms for 32 -> 32 channels at 32×32, 39 -> 24 ms
    for 64 -> 64 at 16×16, 21 -> 16 ms for 32 -> 64 at 16×16; but 6 -> 14 ms for 3 -> 32 at 32×32
    (with few channels the transforms outweigh the products) and 8.1 -> 9.6 ms for 32 -> 64 at
    11×11 (MNIST's second layer)."""
    n, c, h, w = x.shape
    if weight.shape[2:] != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
        return False
    if max(max(pair) for pair in pads) > 2 or x.dtype != weight.dtype or x.dtype.char not in "fd":
        return False
    (top, bottom), (left, right) = pads
    smallest_output = min(h + top + bottom - 2, w + left + right - 2)
    return c >= MIN_CHANNELS and smallest_output >= MIN_OUTPUT and kernels.ready(x, weight)


def _spread(rows, columns, dtype):
    """An uninitialised (16, rows, columns) NumPy array whose 16 blocks lie 64 bytes further apart
    than they need (see the module's docstring)."""
    xp = backend.numpy
    dtype = xp.dtype(dtype)
    flat = xp.empty((16, rows * columns + 64 // dtype.itemsize), dtype)
    return flat[:, : rows * columns].reshape(16, rows, columns)


def _tiles(out_hw):
    """(th, tw): the 2×2 tiles that cover an output of size out_hw (the last ones half outside when odd)."""
    return tuple(-(-size // TILE) for size in out_hw)


def _filter_transform(weight, dtype):
    """G g Gᵀ (4, 4, F, C) of every 3×3 filter g of weight (F, C, 3, 3), in `dtype`. As matrix
    products (optimize=True): NumPy's plain einsum loop, with a float64 G, took 0.8-1.9 ms a layer."""
    g = G.astype(dtype)
    return backend.array_module(weight).einsum("ai,fcij,bj->abfc", g, weight, g, optimize=True)


def forward(x, weight, pads):
    """(y (F, N·Ho·Wo), saved for `backward`) of the convolution of x (N, C, H, W) with weight
    (F, C, 3, 3), zero-padded by pads ((top, bottom), (left, right))."""
    from deepgrad.engine.kernels import winograd as compiled
    from deepgrad.engine.ops.convolution import pad_spatial

    xp = backend.array_module(x)  # NumPy: `applies` said so
    n, c, h, w = x.shape
    (top, bottom), (left, right) = pads
    out_hw = (h + top + bottom - 2, w + left + right - 2)
    th, tw = _tiles(out_hw)
    # pad up to whole tiles: rows and columns past the output only feed outputs that are dropped
    padded = pad_spatial(x, ((top, bottom + TILE * th - out_hw[0]), (left, right + TILE * tw - out_hw[1])))
    channels_first = xp.ascontiguousarray(padded.transpose(1, 0, 2, 3))  # (C, N, Hp, Wp), as laid out
    v = _spread(c, n * th * tw, x.dtype)
    compiled.input_transform(channels_first, v, th, tw)
    u = _filter_transform(weight, x.dtype).reshape(16, len(weight), c)
    m = _spread(len(weight), n * th * tw, x.dtype)
    xp.matmul(u, v, out=m)
    y = xp.empty((len(weight), n, *out_hw), x.dtype)
    compiled.output_transform(m, y, th, tw)
    return y.reshape(len(weight), -1), (v, u, x.shape, pads, out_hw)


def backward(dy, saved, want_x, want_w):
    """(dx (N, C, H, W) laid out (C, N, H, W), or None; dweight (F, C, 3, 3), or None) from
    dy (F, N·Ho·Wo) and what `forward` saved."""
    from deepgrad.engine.kernels import winograd as compiled

    xp = backend.array_module(dy)
    v, u, (n, c, h, w), pads, out_hw = saved
    filters = u.shape[1]
    th, tw = _tiles(out_hw)
    m_grad = _spread(filters, n * th * tw, dy.dtype)  # M̄ = A Ȳ Aᵀ, tile by tile
    compiled.output_transform_adjoint(xp.ascontiguousarray(dy).reshape(filters, n, *out_hw), m_grad, th, tw)
    grad_x = grad_w = None
    if want_w:
        u_grad = xp.matmul(m_grad, v.transpose(0, 2, 1)).reshape(4, 4, filters, c)
        g = G.astype(dy.dtype)
        grad_w = xp.einsum("ai,abfc,bj->fcij", g, u_grad, g, optimize=True)  # Gᵀ dU G, the adjoint of G g Gᵀ
    if want_x:
        v_grad = _spread(c, n * th * tw, dy.dtype)
        xp.matmul(u.transpose(0, 2, 1), m_grad, out=v_grad)
        (top, _), (left, _) = pads
        padded = xp.zeros((c, n, TILE * th + 2, TILE * tw + 2), dy.dtype)  # the forward's padded input
        compiled.input_transform_adjoint(v_grad, padded, th, tw)
        grad_x = padded[:, :, top:top + h, left:left + w].transpose(1, 0, 2, 3)
    return grad_x, grad_w
