"""Convolution and transposed convolution of 1-D and 2-D inputs: im2col and one GEMM per group.

Shapes are channels first with PyTorch's weight layouts; a 1-D input (N, C, L) is computed as a
2-D one of height 1. With G groups, filter f sees the input channels of group f // (F/G):

    conv:            x (N, C, H, W), weight (F, C/G, kh, kw), bias (F,) -> y (N, F, Ho, Wo)
                     y[n, f, i, j] = bias[f] + Σ_c,a,b x_pad[n, c, i·sh + a·dh, j·sw + b·dw]·weight[f, c, a, b]
                     Ho = (H + top + bottom - dh·(kh - 1) - 1) // sh + 1        (W likewise)
    conv_transpose:  x (N, C, H, W), weight (C, F/G, kh, kw) -> y (N, F, Ho, Wo), the gradient of
                     conv with respect to its input: Ho = (H - 1)·sh + dh·(kh - 1) + 1 + out_pad - top - bottom

Padding is explicit: an int for both sides of every axis, or per axis an int or a (before, after)
pair (the layers turn "same" into pairs with `same_padding`).

How conv runs. The windows of the padded input are a strided view (C, kh, kw, N, Ho, Wo) of it;
copying that view is im2col, the column matrix (G, C/G·kh·kw, N·Ho·Wo), and each group's output is
one matrix product weight_g (F/G, C/G·kh·kw) @ columns_g. The product is laid out (F, N, Ho, Wo);
the op returns it as a transposed *view* (N, F, Ho, Wo) rather than copying it, so activations
live "channels, batch, height, width" in memory: elementwise ops keep that layout, the next
im2col reads it through strides, and the backward finds its gradient already in GEMM order.
Backward: dweight_g = dy_g @ columns_gᵀ, dbias = Σ dy over (N, Ho, Wo), and
dcolumns = weight_gᵀ @ dy_g, which col2im adds back where each window read from; windows overlap
when the stride is smaller than the kernel, hence an accumulation.

3×3 stride-1 layers with 16 or more input channels, 8 or more images and outputs of 4×4 or more
run instead as Winograd's F(4×4, 3×3) (ops/winograd.py: 4x fewer multiplications, no im2col
columns), where measured to pay; everything else, and the NumPy reference (CuPy, no Numba,
`use_compiled(False)`), runs im2col. Those layers leave their outputs laid out (F, Ho, Wo, N),
images last, as their transforms work (see ops/winograd.py); im2col reads that layout through
strides as well.

im2col stays NumPy's strided copy: a compiled loop was 1.5-3x slower. col2im's window sums and
the fused bias + ReLU (activation="relu") have compiled forms in kernels/convolution.py, 3-4x
faster than the NumPy passes kept here as the reference (CuPy, no Numba, `use_compiled(False)`).
Channels-last activations (N·Ho·Wo rows in every matrix product) sped up the large CIFAR products
by 20-40% on their own but measured no faster over a whole MNIST step, so im2col's layout stays
"channels, batch".

    >>> x, w = dg.randn(2, 3, 8, 8), dg.randn(4, 3, 3, 3)
    >>> conv(x, w, stride=2, padding=1).shape
    (2, 4, 4, 4)
    >>> conv_transpose(dg.randn(2, 4, 4, 4), w, stride=2, padding=1, output_padding=1).shape
    (2, 3, 8, 8)
"""

import operator

from deepgrad.engine import backend, kernels
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops import winograd
from deepgrad.engine.ops.arithmetic import as_tensor, astype, operands


# --- arguments ------------------------------------------------------------------------------------
def int_tuple(value, n, name, minimum=1):
    """`value` (an int or n ints) as a tuple of n ints, each at least `minimum`."""
    try:
        values = (operator.index(value),) * n if not isinstance(value, (tuple, list)) else tuple(
            operator.index(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) != n or any(v < minimum for v in values):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, each >= {minimum}, got {value!r}")
    return values


def padding_pairs(padding, n):
    """`padding` (an int, or per axis an int or a (before, after) pair) as n (before, after) pairs."""
    per_axis = (padding,) * n if not isinstance(padding, (tuple, list)) else tuple(padding)
    if len(per_axis) != n:
        raise ValueError(f"padding needs one entry per spatial axis ({n}), got {padding!r}")
    pairs = tuple(tuple(p) if isinstance(p, (tuple, list)) else (p, p) for p in per_axis)
    return tuple(int_tuple(pair, 2, "padding", minimum=0) for pair in pairs)


def same_padding(size, kernel, stride=1, dilation=1):
    """TensorFlow's "same" padding of one axis: (before, after) giving ceil(size / stride) outputs.

    The total is max((out - 1)·stride + dilation·(kernel - 1) + 1 - size, 0), and an odd total puts
    the extra element at the end, as Keras and PyTorch's padding="same" (stride 1) do.

        >>> same_padding(7, 4)
        (1, 2)
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def as_2d(x, spatial):
    """A 1-D batch (N, C, L) viewed as (N, C, 1, L); a 2-D batch unchanged."""
    return x.reshape(x.shape[0], x.shape[1], 1, x.shape[2]) if spatial == 1 else x


def lift(values, spatial, fill):
    """Per-axis settings of a 1-D op extended with the height axis's `fill`."""
    return ((fill,) + tuple(values)) if spatial == 1 else tuple(values)


def output_size(padded, kernel, stride, dilation):
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


# --- im2col and col2im ----------------------------------------------------------------------------
def pad_spatial(x, pads, value=0):
    """x (N, C, H, W) padded on its last two axes, as a view of a (C, N, Hp, Wp) buffer."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    xp = backend.array_module(x)
    padded = xp.full((c, n, h + top + bottom, w + left + right), value, dtype=x.dtype).transpose(1, 0, 2, 3)
    padded[:, :, top:top + h, left:left + w] = x
    return padded


def crop_spatial(x, pads):
    """The middle of x (..., Hp, Wp) once `pads` are taken off (a view)."""
    (top, bottom), (left, right) = pads
    return x[..., top:x.shape[-2] - bottom, left:x.shape[-1] - right]


def window_view(padded, kernel, stride, dilation, out_hw):
    """The windows of padded (N, C, Hp, Wp) as a read-only strided view (C, kh, kw, N, Ho, Wo)."""
    xp = backend.array_module(padded)
    n, c = padded.shape[:2]
    sn, sc, sh, sw = padded.strides
    shape = (c, *kernel, n, *out_hw)
    strides = (sc, sh * dilation[0], sw * dilation[1], sn, sh * stride[0], sw * stride[1])
    return xp.lib.stride_tricks.as_strided(padded, shape, strides)  # CuPy's takes no writeable=


def im2col(x, pads, kernel, stride, dilation, out_hw, groups):
    """The column matrix (G, C/G·kh·kw, N·Ho·Wo) of the windows of x (N, C, H, W) zero-padded by `pads`."""
    xp = backend.array_module(x)
    columns = xp.ascontiguousarray(window_view(pad_spatial(x, pads), kernel, stride, dilation, out_hw))
    return columns.reshape(groups, -1, x.shape[0] * out_hw[0] * out_hw[1])


def col2im(columns, out_hw, pads, stride, dilation):
    """columns (C, kh, kw, N, Ho, Wo) added back where each window read from: the (N, C, H, W)
    array (laid out (C, N, H, W)) whose im2col they are the gradient of, for an input of spatial
    size `out_hw` padded by `pads` (what falls on the padding is dropped)."""
    padded_hw = tuple(size + before + after for size, (before, after) in zip(out_hw, pads))
    return crop_spatial(add_windows(columns, padded_hw, stride, dilation), pads).transpose(1, 0, 2, 3)


def add_windows(columns, padded_hw, stride, dilation):
    """columns (C, kh, kw, N, Ho, Wo) added into a zero (C, N, Hp, Wp)
    array, each window at the place it was read from (overlapping windows add up).

    Windows one column apart (the usual case) go to the compiled loop of kernels/convolution.py
    when it may run; the kh·kw strided additions below are the reference."""
    xp = backend.array_module(columns)
    c, kh, kw, n, ho, wo = columns.shape
    out = xp.zeros((c, n, *padded_hw), dtype=columns.dtype)
    (sh, sw), (dh, dw) = stride, dilation
    if sw == dw == 1 and columns.flags.c_contiguous and kernels.ready(columns):
        from deepgrad.engine.kernels import convolution as compiled

        compiled.add_windows(columns, out, sh, dh)
        return out
    for a in range(kh):
        for b in range(kw):
            out[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw] += columns[:, a, b]
    return out


def check_fits(padded_hw, kernel, dilation, what):
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < r for p, r in zip(padded_hw, reach)):
        raise ShapeError(
            f"{what}: a kernel reaching {reach} (kernel size with dilation) does not fit the padded "
            f"input of spatial size {padded_hw}; pad more or use a smaller kernel or dilation"
        )


def _prepared(x, weight, bias, name):
    """x, weight (one dtype) and bias (that dtype too) as tensors, with their ranks checked."""
    x, weight = operands(x, weight)
    if x.ndim not in (3, 4) or weight.ndim != x.ndim:
        raise ShapeError(
            f"{name} takes x (N, C, L) with weight (F, C/groups, k), or x (N, C, H, W) with weight "
            f"(F, C/groups, kh, kw); got shapes {x.shape} and {weight.shape}"
        )
    if bias is not None:
        bias = as_tensor(bias, like=x)
        bias = bias if bias.dtype == x.dtype else astype(bias, x.dtype)
    return x, weight, bias


# --- the primitives -------------------------------------------------------------------------------
def conv(x, weight, stride=1, padding=0, dilation=1, groups=1, bias=None, activation=None):
    """Cross-correlation of x (N, C, L) or (N, C, H, W) with weight (F, C/groups, *kernel), plus bias.

    PyTorch's conv1d/conv2d, except that `padding` may give (before, after) per axis. Formula and
    output size: see the module docstring. Gradients go to x, weight and bias. activation="relu"
    returns relu(conv(...)) as one op, the bias and the ReLU applied in one pass over the product
    (the layers' activation="relu"); the ReLU's gradient is PyTorch's: 0 where the output is 0.

        >>> conv(dg.ones((1, 1, 5)), dg.ones((1, 1, 3)), padding=1).tolist()
        [[[2.0, 3.0, 3.0, 3.0, 2.0]]]
    """
    x, weight, bias = _prepared(x, weight, bias, "conv")
    spatial = x.ndim - 2
    stride = lift(int_tuple(stride, spatial, "stride"), spatial, 1)
    dilation = lift(int_tuple(dilation, spatial, "dilation"), spatial, 1)
    pads = lift(padding_pairs(padding, spatial), spatial, (0, 0))
    n, c = x.shape[:2]
    filters = weight.shape[0]
    groups = operator.index(groups)
    if groups < 1 or c % groups or filters % groups or weight.shape[1] * groups != c:
        raise ShapeError(
            f"conv: input channels ({c}) and filters ({filters}) must both be divisible by groups ({groups}), "
            f"and the weight of shape {weight.shape} must have channels / groups = {c // max(groups, 1)} in axis 1"
        )
    if bias is not None and bias.shape != (filters,):
        raise ShapeError(f"conv: bias must have shape ({filters},), got {bias.shape}")
    if activation not in (None, "relu"):
        raise ValueError(f"conv: activation must be None or 'relu', got {activation!r}")
    kernel = lift(weight.shape[2:], spatial, 1)
    x4 = as_2d(x.data, spatial)
    padded_hw = tuple(size + before + after for size, (before, after) in zip(x4.shape[2:], pads))
    check_fits(padded_hw, kernel, dilation, "conv")
    out_hw = output_size(padded_hw, kernel, stride, dilation)
    w_g = weight.data.reshape(groups, filters // groups, -1)
    w4 = weight.data.reshape(filters, -1, *kernel)  # (F, C/G, kh, kw), for 1-D kernels too
    columns = saved = None
    if winograd.applies(x4, w4, stride, dilation, groups, pads):  # bias and ReLU in its last pass
        out, saved = winograd.forward(x4, w4, pads, None if bias is None else bias.data, activation == "relu")
    else:
        columns = im2col(x4, pads, kernel, stride, dilation, out_hw, groups)
        y = w_g @ columns  # (G, F/G, N·Ho·Wo): one GEMM per group
        if activation == "relu":
            add_bias_relu(y.reshape(filters, -1), None if bias is None else bias.data)
        elif bias is not None:
            y += bias.data.reshape(groups, -1, 1)
        out = y.reshape(filters, n, *out_hw).transpose(1, 0, 2, 3)  # a view: no copy to (N, F, Ho, Wo)

    def backward(grad):
        grad_x = grad_w = grad_b = None
        want_b = bias is not None and bias._requires_grad
        if saved is not None:  # through the ReLU, and the bias's gradient, in its first pass
            dy = grad.reshape(n, filters, *out_hw)
            grad_x, grad_w, grad_b = winograd.backward(dy, saved, x._requires_grad, weight._requires_grad)
            grad_b = grad_b if want_b else None
        else:
            dy = grad.reshape(n, filters, *out_hw).transpose(1, 0, 2, 3).reshape(filters, -1)
            if activation == "relu":
                dy, grad_b = relu_bias_backward(dy, y.reshape(filters, -1), want_b)
            elif want_b:
                grad_b = dy.sum(axis=1)
            dy = dy.reshape(groups, filters // groups, -1)
            if x._requires_grad:
                d_columns = (w_g.transpose(0, 2, 1) @ dy).reshape(c, *kernel, n, *out_hw)
                grad_x = col2im(d_columns, x4.shape[2:], pads, stride, dilation)
            if weight._requires_grad:  # as (columns @ dyᵀ)ᵀ: OpenBLAS runs it 5-25% faster than dy @ columnsᵀ
                grad_w = (columns @ dy.transpose(0, 2, 1)).transpose(0, 2, 1)
        return (None if grad_x is None else grad_x.reshape(x.shape),
                None if grad_w is None else grad_w.reshape(weight.shape), grad_b)

    parents = (x, weight) if bias is None else (x, weight, bias)
    name = "conv" if activation is None else f"conv_{activation}"
    return record(out.reshape(n, filters, -1) if spatial == 1 else out, parents, backward, name)


def add_bias_relu(y, bias):
    """y (F, M) <- relu(y + bias[:, None]) in place (bias may be None): one compiled pass, or NumPy's two."""
    xp = backend.array_module(y)
    if bias is None:
        bias = xp.zeros(y.shape[0], dtype=y.dtype)
    if y.flags.c_contiguous and kernels.ready(y, bias):
        from deepgrad.engine.kernels import convolution as compiled

        compiled.add_bias_relu(y, bias)
    else:
        y += bias[:, None]
        xp.maximum(y, 0, out=y)


def relu_bias_backward(grad, y, want_bias):
    """(d_y, d_bias) for y = relu(z + bias) (F, M): grad where y > 0, else 0, and its row sums (or None)."""
    xp = backend.array_module(y)
    if kernels.ready(grad, y):
        from deepgrad.engine.kernels import convolution as compiled

        grad = xp.ascontiguousarray(grad)
        d_y, d_bias = xp.empty_like(grad), xp.empty(len(grad), dtype=grad.dtype)
        compiled.relu_bias_backward(grad, y, d_y, d_bias)
        return d_y, (d_bias if want_bias else None)
    d_y = xp.where(y > 0, grad, 0)
    return d_y, (d_y.sum(axis=1) if want_bias else None)


def conv_transpose(x, weight, stride=1, padding=0, output_padding=0, dilation=1, groups=1, bias=None):
    """Transposed convolution of x (N, C, L) or (N, C, H, W) with weight (C, F/groups, *kernel).

    PyTorch's conv_transpose1d/2d: the gradient of `conv` (same stride, padding, dilation, groups)
    with respect to its input, as an op of its own. Every input element adds weight·x into a
    kernel-sized patch of the output, the patches `stride` apart; `padding` is then cut off the
    full result and `output_padding` (< stride or < dilation) adds rows/columns at the end.
    Output size: see the module docstring.

        >>> conv_transpose(dg.ones((1, 1, 3)), dg.ones((1, 1, 2)), stride=2).tolist()
        [[[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]]
    """
    x, weight, bias = _prepared(x, weight, bias, "conv_transpose")
    spatial = x.ndim - 2
    stride = lift(int_tuple(stride, spatial, "stride"), spatial, 1)
    dilation = lift(int_tuple(dilation, spatial, "dilation"), spatial, 1)
    pads = lift(padding_pairs(padding, spatial), spatial, (0, 0))
    extra = lift(int_tuple(output_padding, spatial, "output_padding", minimum=0), spatial, 0)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"conv_transpose: output_padding {output_padding} must be smaller than stride or dilation")
    n, c = x.shape[:2]
    groups = operator.index(groups)
    if groups < 1 or c % groups or weight.shape[0] != c:
        raise ShapeError(
            f"conv_transpose: the input has {c} channels, so the weight of shape {weight.shape} needs {c} "
            f"in axis 0, and {c} must be divisible by groups ({groups})"
        )
    filters = weight.shape[1] * groups
    if bias is not None and bias.shape != (filters,):
        raise ShapeError(f"conv_transpose: bias must have shape ({filters},), got {bias.shape}")
    kernel = lift(weight.shape[2:], spatial, 1)
    in_hw = as_2d(x.data, spatial).shape[2:]
    full_hw = tuple((i - 1) * s + d * (k - 1) + 1 + e for i, s, d, k, e in zip(in_hw, stride, dilation, kernel, extra))
    if any(f - b - a < 1 for f, (b, a) in zip(full_hw, pads)):
        raise ShapeError(f"conv_transpose: padding {padding} removes the whole output of spatial size {full_hw}")
    w_g = weight.data.reshape(groups, c // groups, -1)
    x_g = as_2d(x.data, spatial).transpose(1, 0, 2, 3).reshape(groups, c // groups, -1)
    columns = (w_g.transpose(0, 2, 1) @ x_g).reshape(filters, *kernel, n, *in_hw)
    out_hw = tuple(f - b - a for f, (b, a) in zip(full_hw, pads))
    out = col2im(columns, out_hw, pads, stride, dilation)  # (N, F, Ho, Wo), laid out (F, N, Ho, Wo)
    if bias is not None:
        out += bias.data.reshape(1, filters, 1, 1)

    def backward(grad):
        dy = grad.reshape(n, filters, *out_hw)  # padded back inside im2col: the full, uncropped gradient
        d_columns = im2col(dy, pads, kernel, stride, dilation, in_hw, groups)  # (G, F/G·kh·kw, N·H·W)
        grad_x = grad_w = grad_b = None
        if x._requires_grad:
            grad_x = (w_g @ d_columns).reshape(c, n, *in_hw).transpose(1, 0, 2, 3).reshape(x.shape)
        if weight._requires_grad:
            grad_w = (x_g @ d_columns.transpose(0, 2, 1)).reshape(weight.shape)
        if bias is not None and bias._requires_grad:
            grad_b = grad.reshape(n, filters, -1).sum(axis=(0, 2))
        return grad_x, grad_w, grad_b

    parents = (x, weight) if bias is None else (x, weight, bias)
    return record(out.reshape(n, filters, -1) if spatial == 1 else out, parents, backward, "conv_transpose")
