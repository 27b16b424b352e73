"""Max and average pooling of 1-D and 2-D inputs, and their global forms.

Inputs are channels first, (N, C, L) or (N, C, H, W); a 1-D input is pooled as a 2-D one of
height 1. Each output is the max or the mean of one window of the (padded) input:

    y[n, c, i, j] = max or mean over a < ph, b < pw of x_pad[n, c, i·sh + a, j·sw + b]
    "valid": no padding, Ho = (H - ph) // sh + 1;   "same": Ho = ceil(H / sh), padded as TensorFlow
    pads ("same" in convolution.py: the odd element goes at the end).

Both walk the ph·pw offsets of the window once, each offset a strided view of the whole input
(no copy of the windows), so the work is ph·pw passes over an output-sized array.

- max_pool keeps, from the forward pass, the offset of each window's maximum (one byte each)
  and its backward sends the gradient there alone. Ties go to the first maximum in the window
  (row-major), as PyTorch's max_pool does; a NaN in a window makes its output NaN. "same" pads
  with -inf, so a padded position is never chosen.
- avg_pool with "same" averages over the input elements of each window only, leaving the padding
  out of the count, as Keras and TensorFlow do (PyTorch's count_include_pad=False).
- global_avg_pool and global_max_pool reduce every spatial axis to (N, C), as compositions of
  mean and max (ties in a global max share the gradient, as TensorFlow's reduce_max does).

    >>> x = dg.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    >>> avg_pool(dg.ones((1, 1, 3)), 2, padding="same").tolist()
    [[[1.0, 1.0]]]
"""

from deepgrad.engine import backend, kernels
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops import reduction, winograd
from deepgrad.engine.ops.convolution import as_2d, crop_spatial, int_tuple, lift, pad_spatial, same_padding
from deepgrad.engine.ops.elementwise import floating


def _plan(x, pool_size, strides, padding, name):
    """(pool, strides, pads, output size), all lifted to two spatial axes, for x (N, C, *spatial)."""
    if x.ndim not in (3, 4):
        raise ShapeError(f"{name} takes inputs of shape (N, C, L) or (N, C, H, W), got {x.shape}")
    spatial = x.ndim - 2
    pool = int_tuple(pool_size, spatial, "pool_size")
    strides = pool if strides is None else int_tuple(strides, spatial, "strides")
    sizes = x.shape[2:]
    if padding == "same":
        pads = tuple(same_padding(size, p, s) for size, p, s in zip(sizes, pool, strides))
    elif padding == "valid":
        if any(p > size for p, size in zip(pool, sizes)):
            raise ShapeError(
                f"{name}: pool_size {pool} is bigger than the input's spatial size {sizes}; use a smaller "
                f"pool_size or padding='same'"
            )
        pads = ((0, 0),) * spatial
    else:
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    out = tuple((n + b + a - p) // s + 1 for n, (b, a), p, s in zip(sizes, pads, pool, strides))
    return lift(pool, spatial, 1), lift(strides, spatial, 1), lift(pads, spatial, (0, 0)), lift(out, spatial, 1)


def _offsets(padded, pool, strides, out_hw):
    """For each offset (a, b) of the window, row by row, the view padded[:, :, a + sh·i, b + sw·j] over i, j."""
    (ph, pw), (sh, sw), (ho, wo) = pool, strides, out_hw
    for a in range(ph):
        for b in range(pw):
            yield padded[:, :, a:a + sh * (ho - 1) + 1:sh, b:b + sw * (wo - 1) + 1:sw]


def _unlifted(x, out_hw):
    """The output shape in x's rank: (N, C, Lo) for a 1-D input, (N, C, Ho, Wo) for a 2-D one."""
    return (*x.shape[:2], *out_hw[4 - x.ndim:])


def _zero_padded_like(x4, pads):
    """A zero gradient for the padded input, laid out (C, N, Hp, Wp) as pad_spatial lays it out."""
    xp = backend.array_module(x4)
    n, c, h, w = x4.shape
    (top, bottom), (left, right) = pads
    return xp.zeros((c, n, h + top + bottom, w + left + right), dtype=x4.dtype).transpose(1, 0, 2, 3)


def _max_pool_numpy(padded, pool, strides, out_hw):
    """(maximum, offset of the first maximum) of each window: one pass over the output per offset."""
    xp = backend.array_module(padded)
    best = argbest = None
    for offset, view in enumerate(_offsets(padded, pool, strides, out_hw)):
        if best is None:
            best = view.copy(order="K")
            argbest = xp.zeros(best.shape, dtype=xp.min_scalar_type(pool[0] * pool[1] - 1))
            continue
        better = view > best  # strictly greater: a tie keeps the first maximum
        xp.maximum(best, view, out=best)  # maximum propagates NaN
        # argbest = where(better, offset, argbest) without branches: NumPy's masked copyto and where
        # with a scalar were 3-7x slower than these two passes over one byte per output
        argbest *= ~better
        argbest += better * argbest.dtype.type(offset)
    return best, argbest


def _plane_order(x4):
    """The axis order, (N, C) or (C, N), in which x4's (H, W) planes lie one after the other in its
    memory (convolution outputs are laid out (C, N, H, W)), or None when they do not."""
    for order in ((0, 1, 2, 3), (1, 0, 2, 3)):
        if x4.transpose(order).flags.c_contiguous:
            return order
    return None


def _stack(a, order):
    """a (N, C, h, w) as a C-contiguous (planes, h, w) stack in `order` (no copy if already so)."""
    xp = backend.array_module(a)
    return xp.ascontiguousarray(a.transpose(order)).reshape(-1, *a.shape[2:])


def _unstack(planes, shape, order):
    """A (planes, h, w) stack in `order` as the (N, C, h, w) array of `shape`'s batch and channels."""
    lead = (shape[order[0]], shape[order[1]])
    return planes.reshape(*lead, *planes.shape[1:]).transpose(order)


def max_pool(x, pool_size, strides=None, padding="valid"):
    """The maximum of each window: x (N, C, L) or (N, C, H, W) -> (N, C, Lo) or (N, C, Ho, Wo).

    pool_size and strides (default: pool_size) are an int or one int per spatial axis; padding is
    "valid" or "same". The gradient of each output goes to the first maximum of its window
    (PyTorch's rule). The compiled kernel (kernels/pooling.py) sends it there alone; the NumPy
    version spreads it by multiplying with a mask, so there a non-finite gradient (inf·0) also puts
    NaN on the window's other elements.

        >>> max_pool(dg.tensor([[[1.0, 3.0, 3.0, 2.0, 0.0]]]), 2, strides=1).tolist()
        [[[3.0, 3.0, 3.0, 2.0]]]
    """
    x = floating(x)
    xp = backend.array_module(x.data)
    pool, strides, pads, out_hw = _plan(x, pool_size, strides, padding, "max_pool")
    x4 = as_2d(x.data, x.ndim - 2)
    order = _plane_order(x4)
    two_by_two = pool == strides == (2, 2) and pads == ((0, 0), (0, 0)) and kernels.ready(x4)
    compiled = two_by_two and order is not None  # planes one after another: one image also lies images last
    images_last = two_by_two and order is None and winograd.images_last(x4)
    if images_last:  # a Winograd layer's output (C, H, W, N): pooled as laid out, the images last
        from deepgrad.engine.kernels.pooling import max_pool_2x2_images_last, max_pool_2x2_images_last_backward

        planes = x4.transpose(1, 2, 3, 0)
        best = xp.empty((len(planes), *out_hw, len(x4)), dtype=planes.dtype)
        argbest = xp.empty(best.shape, dtype=xp.uint8)
        max_pool_2x2_images_last(planes, best, argbest)
        best = best.transpose(3, 0, 1, 2)
    elif compiled:  # the common case in one pass: engine/kernels/pooling.py
        from deepgrad.engine.kernels.pooling import max_pool_2x2, max_pool_2x2_backward

        planes = _stack(x4, order)
        best = xp.empty((len(planes), *out_hw), dtype=planes.dtype)
        argbest = xp.empty(best.shape, dtype=xp.uint8)
        max_pool_2x2(planes, best, argbest)
        best = _unstack(best, x4.shape, order)
    else:
        padded = pad_spatial(x4, pads, value=-xp.inf)
        best, argbest = _max_pool_numpy(padded, pool, strides, out_hw)
    overlapping = strides[0] < pool[0] or strides[1] < pool[1]

    def backward(grad):
        if images_last:
            grad_planes = xp.ascontiguousarray(grad.reshape(best.shape).transpose(1, 2, 3, 0))  # no copy if so laid out
            d_planes = xp.empty(planes.shape, dtype=grad.dtype)
            max_pool_2x2_images_last_backward(grad_planes, argbest, d_planes)
            return (d_planes.transpose(3, 0, 1, 2).reshape(x.shape),)
        if compiled:
            d_planes = xp.empty(planes.shape, dtype=grad.dtype)
            max_pool_2x2_backward(_stack(grad.reshape(best.shape), order), argbest, d_planes)
            return (_unstack(d_planes, x4.shape, order).reshape(x.shape),)
        grad = grad.reshape(best.shape)
        d_padded = _zero_padded_like(x4, pads)
        for offset, view in enumerate(_offsets(d_padded, pool, strides, out_hw)):
            chosen = argbest == offset
            if overlapping:  # a position may be the maximum of several windows: add
                view += grad * chosen
            else:  # the windows do not overlap, so each position is written once at most
                xp.multiply(grad, chosen, out=view)
        return (crop_spatial(d_padded, pads).reshape(x.shape),)

    return record(best.reshape(_unlifted(x, out_hw)), (x,), backward, "max_pool")


def _window_counts(xp, sizes, pool, strides, pads, out_hw, dtype):
    """How many input (not padding) elements each window covers, as an (Ho, Wo) array."""
    counts = []
    for size, p, s, (before, _), out in zip(sizes, pool, strides, pads, out_hw):
        start = xp.arange(out) * s - before
        counts.append(xp.minimum(start + p, size) - xp.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


def avg_pool(x, pool_size, strides=None, padding="valid"):
    """The mean of each window: x (N, C, L) or (N, C, H, W) -> (N, C, Lo) or (N, C, Ho, Wo).

    Arguments as in max_pool. With padding="same" a window that overlaps the padding averages its input elements only
    (Keras's rule). Each input element gets, from each window it is in, the window's gradient
    divided by that window's count.

        >>> avg_pool(dg.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
        [[[1.5, 3.5]]]
    """
    x = floating(x)
    xp = backend.array_module(x.data)
    pool, strides, pads, out_hw = _plan(x, pool_size, strides, padding, "avg_pool")
    x4 = as_2d(x.data, x.ndim - 2)
    padded = pad_spatial(x4, pads)
    total = None
    for view in _offsets(padded, pool, strides, out_hw):
        if total is None:
            total = view.copy(order="K")
        else:
            total += view
    if any(before or after for before, after in pads):
        count = _window_counts(xp, x4.shape[2:], pool, strides, pads, out_hw, x.dtype)
    else:
        count = xp.asarray(pool[0] * pool[1], dtype=x.dtype)
    out = total / count

    def backward(grad):
        share = grad.reshape(out.shape) / count
        d_padded = _zero_padded_like(x4, pads)
        for view in _offsets(d_padded, pool, strides, out_hw):
            view += share
        return (crop_spatial(d_padded, pads).reshape(x.shape),)

    return record(out.reshape(_unlifted(x, out_hw)), (x,), backward, "avg_pool")


def global_avg_pool(x, keepdims=False):
    """The mean over every spatial axis: (N, C, *spatial) -> (N, C) (or (N, C, 1, ...) with keepdims).

        >>> global_avg_pool(dg.ones((2, 3, 4, 4))).shape
        (2, 3)
    """
    return reduction.mean(x, axis=tuple(range(2, x.ndim)), keepdims=keepdims)


def global_max_pool(x, keepdims=False):
    """The maximum over every spatial axis: (N, C, *spatial) -> (N, C) (or (N, C, 1, ...) with keepdims).

        >>> global_max_pool(dg.arange(8.0).reshape(1, 2, 4)).tolist()
        [[3.0, 7.0]]
    """
    return reduction.max(x, axis=tuple(range(2, x.ndim)), keepdims=keepdims)
