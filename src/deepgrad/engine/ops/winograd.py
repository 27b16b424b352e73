"""Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, 2016): 3×3, stride-1 convolutions
with 4 times fewer multiplications than im2col's one product, for `conv` to use where it pays.

Each 4×4 block of outputs comes from a 6×6 tile of the padded input d (tiles four apart, so they
overlap) and the 3×3 filter g as

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A         (G: 6×3, Bᵀ: 6×6, Aᵀ: 4×6; see kernels/winograd.py)

36 multiplications where the direct sum takes 144. Summed over the input channels, each of the 36
positions ξ of the 6×6 transforms is one matrix product, U_ξ (F, C) @ V_ξ (C, tiles·N), so a
layer is: the input transform (a compiled pass over x), 36 products, the output transform (a pass
over the products). The backward uses the same tiles: with M̄ = A Ȳ Aᵀ, the gradient of the
products, dU_ξ = M̄_ξ @ V_ξᵀ gives the filters' gradient (Gᵀ dU G) and dV_ξ = U_ξᵀ @ M̄_ξ the input's
(B dV Bᵀ, added back where each tile was read). In float32 the results differ from im2col's by
about 2e-6 relative (G holds 1/6, 1/12 and 1/24; Aᵀ holds 8).

Against F(2×2, 3×3), which this replaced (2026-11-26; CIFAR CNN layers, batch 64, forward +
backward, one process): 36 -> 30 ms for 32 -> 32 channels at 32×32, 16 -> 13 ms for 32 -> 64 at
16×16, 23.5 -> 18.5 ms for 64 -> 64 at 16×16, before the layout below. Its products move 1.8 times
fewer numbers (36 per 16 outputs against 16 per 4), and its transforms run over 16 images at a
time (see kernels/winograd.py), where F(2×2, 3×3)'s ran one number at a time.

Layout. The transforms want the images last, (C, H, W, N), and conv's arrays come (C, N, H, W)
(im2col's GEMM gives that). So a layer's output is left images last ((F, Ho, Wo, N), returned as
the (N, F, Ho, Wo) view), and a layer whose input, or whose output's gradient, comes so laid out
(`images_last`: from another Winograd layer, or through 2×2 max-pooling, which keeps the layout)
copies it as is, 16 numbers at a time, instead of transposing it; its input's gradient goes back
laid out as the input came. In the CIFAR CNN the transposing copies had cost about 12 ms of a
70 ms step; with the layout kept, the step went 64-67 -> 58-64 ms.

Where it pays: see `applies`. The (36, tiles, N) arrays get one tile more than they need, so that
their 36 blocks do not lie a power of two apart in memory: blocks that do map to the same cache
sets, and the transforms, which read or write six of them at once, ran 2-5 times slower.
"""

from deepgrad.engine import backend, kernels

G = backend.numpy.array([
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
])
G_KRON = backend.numpy.kron(G, G)  # (36, 9): row 6a + b, column 3i + j holds G[a, i]·G[b, j]
TILE = 4  # outputs per side of a tile; each reads TILE + 2 = 6 rows and columns of the padded input
MIN_CHANNELS, MIN_BATCH, MIN_OUTPUT = 16, 8, 4  # where it pays (see `applies`); the tests lower them


def applies(x, weight, stride, dilation, groups, pads):
    """Whether conv(x, weight) runs as Winograd's F(4×4, 3×3): a 3×3 kernel, stride and dilation 1,
    one group, padding of at most 2 on every side, float32 or float64 NumPy arrays with the
    compiled kernels available, at least MIN_CHANNELS input channels, MIN_BATCH images and
    outputs of at least MIN_OUTPUT × MIN_OUTPUT.

    Measured 2026-11-26 (forward + backward of one float32 layer, against im2col, in a slow spell
    of the machine): with batch 64, 58 against 74 ms for 32 -> 32 channels at 32×32, 28-31 against
    50 ms for 64 -> 64 at 16×16, 8.3-10.2 against 10.5-11.6 ms for MNIST's 32 -> 64 at 11×11, and
    0.85 against 1.3 ms for 32 -> 32 at 4×4; but 20-24 against 11-19 ms for 3 -> 32 at 32×32
    (with few channels the transforms outweigh the products). The transforms run over the images
    16 at a time, so small batches lose: for 32 -> 32 at 32×32, 2.0 against 0.8 ms with one image,
    even with four, 4.8-5.2 against 6.6 ms with eight."""
    n, c, h, w = x.shape
    if weight.shape[2:] != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
        return False
    if max(max(pair) for pair in pads) > 2 or x.dtype != weight.dtype or x.dtype.char not in "fd":
        return False
    (top, bottom), (left, right) = pads
    smallest_output = min(h + top + bottom - 2, w + left + right - 2)
    return (c >= MIN_CHANNELS and n >= MIN_BATCH and smallest_output >= MIN_OUTPUT
            and kernels.ready(x, weight))


def _transforms(rows, tiles, n, dtype):
    """An uninitialised (36, rows·tiles + 1, n) NumPy array for the transforms of `rows` channels
    or filters: one tile more than they need (see the module's docstring)."""
    return backend.numpy.empty((36, rows * tiles + 1, n), dtype)


def _matrices(transforms, rows):
    """The 36 matrices (rows, tiles·N) of `_transforms(rows, ...)`, as a view."""
    return transforms[:, :-1].reshape(36, rows, -1)


def _tiles(out_hw):
    """(th, tw): the 4×4 tiles that cover an output of size out_hw (the last ones partly outside)."""
    return tuple(-(-size // TILE) for size in out_hw)


def _filter_transform(weight, dtype):
    """G g Gᵀ of every 3×3 filter g of weight (F, C, 3, 3), as (36, F, C) in `dtype`: one matrix
    product with G ⊗ G (36×9), 4-8 times faster than einsum's two (0.9 -> 0.2 ms for 64×64 filters)."""
    filters, channels = weight.shape[:2]
    return (G_KRON.astype(dtype) @ weight.reshape(filters * channels, 9).T).reshape(36, filters, channels)


def _filter_transform_adjoint(u_grad, filters, channels):
    """Gᵀ dU G (F, C, 3, 3) of the gradient u_grad (36, F, C) of `_filter_transform`'s result."""
    return (G_KRON.T.astype(u_grad.dtype) @ u_grad.reshape(36, -1)).T.reshape(filters, channels, 3, 3)


def images_last(a):
    """Whether the (N, C, H, W) array a lies in memory as (C, H, W, N), images last: the layout
    Winograd's layers give (and 2×2 max-pooling keeps), which their transforms read and write
    without transposing."""
    return a.ndim == 4 and a.transpose(1, 2, 3, 0).flags.c_contiguous


def forward(x, weight, pads, bias=None, relu=False):
    """(y (N, F, Ho, Wo), laid out (F, Ho, Wo, N); saved for `backward`) of the convolution of x
    (N, C, H, W) with weight (F, C, 3, 3), zero-padded by pads ((top, bottom), (left, right)), plus
    bias (F,) if given, then ReLU if relu: both in the output transform's last pass."""
    from deepgrad.engine.kernels import winograd as compiled

    xp = backend.array_module(x)  # NumPy: `applies` said so
    n, c, h, w = x.shape
    filters = len(weight)
    (top, bottom), (left, right) = pads
    out_hw = (h + top + bottom - 2, w + left + right - 2)
    th, tw = _tiles(out_hw)
    v = _transforms(c, th * tw, n, x.dtype)
    came_images_last = images_last(x)
    planes = x.transpose(1, 2, 3, 0) if came_images_last else x.transpose(1, 0, 2, 3)
    compiled.input_transform(planes, came_images_last, top, left, v, th, tw)
    u = _filter_transform(weight, x.dtype)
    m = _transforms(filters, th * tw, n, x.dtype)
    xp.matmul(u, _matrices(v, c), out=_matrices(m, filters))
    y = xp.empty((filters, *out_hw, n), x.dtype)
    compiled.output_transform(m, y, th, tw, xp.zeros(filters, x.dtype) if bias is None else bias, relu)
    return y.transpose(3, 0, 1, 2), (v, u, x.shape, pads, out_hw, y if relu else None, came_images_last)


def backward(dy, saved, want_x, want_w):
    """(dx (N, C, H, W) laid out as x came, or None; dweight (F, C, 3, 3), or None; dbias (F,))
    from dy (N, F, Ho, Wo) (any strides) and what `forward` saved (through its ReLU, if it had one)."""
    from deepgrad.engine.kernels import winograd as compiled

    xp = backend.array_module(dy)
    v, u, (n, c, h, w), pads, out_hw, y, came_images_last = saved
    filters = u.shape[1]
    th, tw = _tiles(out_hw)
    m_grad = _transforms(filters, th * tw, n, dy.dtype)  # M̄ = A Ȳ Aᵀ, tile by tile
    grad_b = xp.empty(filters, dy.dtype)
    dy_images_last = images_last(dy)  # y, the ReLU's mask, always is: it is this layer's output
    if dy_images_last:
        planes, mask = dy.transpose(1, 2, 3, 0), y
    else:
        planes, mask = dy.transpose(1, 0, 2, 3), None if y is None else y.transpose(0, 3, 1, 2)
    relu = y is not None
    compiled.output_transform_adjoint(planes, mask if relu else planes, relu, dy_images_last, m_grad, grad_b, th, tw)
    m_grad = _matrices(m_grad, filters)
    grad_x = grad_w = None
    if want_w:
        grad_w = _filter_transform_adjoint(xp.matmul(m_grad, _matrices(v, c).transpose(0, 2, 1)), filters, c)
    if want_x:
        v_grad = _transforms(c, th * tw, n, dy.dtype)
        xp.matmul(u.transpose(0, 2, 1), m_grad, out=_matrices(v_grad, c))
        (top, _), (left, _) = pads
        grad_x = xp.empty((c, h, w, n) if came_images_last else (c, n, h, w), dy.dtype)
        compiled.input_transform_adjoint(v_grad, top, left, grad_x, came_images_last, th, tw)
        grad_x = grad_x.transpose(3, 0, 1, 2) if came_images_last else grad_x.transpose(1, 0, 2, 3)
    return grad_x, grad_w, grad_b
