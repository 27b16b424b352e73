"""Structural ops (shape, joining, indexing, matmul): against NumPy, finite differences and PyTorch.

Every case runs the same three checks through `check_op`: the forward pass in float64 against
the same NumPy call, `dg.check_gradients` (float64 central differences), and the forward values
plus input gradients in float32 against PyTorch, both backpropagated from one random upstream
gradient. Explicit grids pin the documented forms; hypothesis adds random shapes, () included.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg

FAST = settings(max_examples=30, deadline=None)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)


def randn(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.standard_normal(shape)) for shape in shapes]


def pieces(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_op(dg_fn, np_fn, torch_fn, *arrays, exact=True, rtol=1e-5, atol=1e-6):
    """The three checks of one op on float64 `arrays`; dg_fn may return a tensor or a list."""
    # (1) forward against NumPy, in float64
    result = dg_fn(*[dg.tensor(a, dtype=dg.float64) for a in arrays])
    got = pieces(result)
    want = pieces(np_fn(*arrays))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == np.shape(w) and g.dtype == np.float64
        if exact:
            np.testing.assert_array_equal(g.numpy(), w)
        else:
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)

    # (2) autograd against central finite differences (a list output is checked piece by piece)
    def joined(*ts):
        return dg.concatenate([p.reshape(-1) for p in pieces(dg_fn(*ts))])

    fn = joined if isinstance(result, (list, tuple)) else dg_fn
    assert dg.check_gradients(fn, *[dg.tensor(a, dtype=dg.float64) for a in arrays]) is True

    # (3) forward and gradients against PyTorch, in float32, from the same upstream gradient
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in arrays]
    outs, touts = pieces(dg_fn(*xs)), pieces(torch_fn(*ts))
    assert len(outs) == len(touts)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for t in touts]
    sum((o * dg.tensor(w)).sum() for o, w in zip(outs, weights)).backward()
    sum((t * torch.from_numpy(w)).sum() for t, w in zip(touts, weights)).backward()
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape) and o.dtype == np.float32
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    for x, t in zip(xs, ts):
        assert x.grad is not None and t.grad is not None
        assert x.grad.shape == x.shape and x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


# --- reshape, transpose, swapaxes, expand_dims, squeeze, flatten, broadcast_to ----------------


@pytest.mark.parametrize(
    "shape, target",
    [((2, 3), (3, 2)), ((2, 3), (6,)), ((2, 3, 4), (4, -1)), ((6,), (1, 2, 1, 3)), ((), (1, 1)), ((1,), ())],
)
def test_reshape(shape, target):
    check_op(lambda t: t.reshape(target), lambda a: a.reshape(target), lambda t: t.reshape(target), *randn(shape))


def test_reshape_takes_several_ints_as_numpy_does():
    check_op(lambda t: t.reshape(3, 2), lambda a: a.reshape(3, 2), lambda t: t.reshape(3, 2), *randn((2, 3)))


@given(data=st.data(), shape=SHAPES)
@FAST
def test_reshape_random(data, shape):
    target = list(data.draw(st.permutations(shape), label="target"))
    if target and data.draw(st.booleans(), label="infer one axis"):
        target[0] = -1
    target = tuple(target)
    check_op(lambda t: t.reshape(target), lambda a: a.reshape(target), lambda t: t.reshape(target), *randn(shape))


@pytest.mark.parametrize("shape, axes", [((2, 3), None), ((2, 3, 4), None), ((2, 3, 4), (1, 0, 2)),
                                         ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (-1, 0, 1)), ((), None)])
def test_transpose(shape, axes):
    def torch_fn(t):
        return t.permute(tuple(axes) if axes is not None else tuple(reversed(range(t.ndim))))

    check_op(lambda t: t.transpose(axes), lambda a: a.transpose(axes), torch_fn, *randn(shape))
    if axes is not None:  # as separate ints, and through dg.transpose
        check_op(lambda t: t.transpose(*axes), lambda a: a.transpose(*axes), torch_fn, *randn(shape))
        check_op(lambda t: dg.transpose(t, axes), lambda a: np.transpose(a, axes), torch_fn, *randn(shape))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4)])
def test_T_reverses_the_axes(shape):
    check_op(lambda t: t.T, lambda a: a.T, lambda t: t.permute(tuple(reversed(range(t.ndim)))), *randn(shape))


@given(data=st.data(), shape=SHAPES)
@FAST
def test_transpose_random(data, shape):
    axes = tuple(data.draw(st.permutations(range(len(shape))), label="axes"))
    check_op(lambda t: t.transpose(axes), lambda a: a.transpose(axes), lambda t: t.permute(axes), *randn(shape))


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3))
@FAST
def test_swapaxes_random(data, shape):
    a1, a2 = (data.draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(2))
    check_op(lambda t: t.swapaxes(a1, a2), lambda a: a.swapaxes(a1, a2), lambda t: t.swapaxes(a1, a2), *randn(shape))


def unsqueeze_all(t, axis, ndim_out):
    for ax in sorted(a % ndim_out for a in (axis if isinstance(axis, tuple) else (axis,))):
        t = t.unsqueeze(ax)
    return t


@pytest.mark.parametrize("shape, axis", [((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((), 0), ((2, 3), (0, 2)),
                                         ((2, 3), (0, -1)), ((3,), (1, 2))])
def test_expand_dims(shape, axis):
    ndim_out = len(shape) + (len(axis) if isinstance(axis, tuple) else 1)
    check_op(lambda t: t.expand_dims(axis), lambda a: np.expand_dims(a, axis),
             lambda t: unsqueeze_all(t, axis, ndim_out), *randn(shape))
    check_op(lambda t: dg.expand_dims(t, axis), lambda a: np.expand_dims(a, axis),
             lambda t: unsqueeze_all(t, axis, ndim_out), *randn(shape))


@given(data=st.data(), shape=SHAPES)
@FAST
def test_expand_dims_random(data, shape):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    check_op(lambda t: t.expand_dims(axis), lambda a: np.expand_dims(a, axis), lambda t: t.unsqueeze(axis),
             *randn(shape))


@pytest.mark.parametrize("shape, axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), (0, 2)),
                                         ((1,), None), ((1,), 0), ((), None), ((2, 3), None)])
def test_squeeze(shape, axis):
    torch_fn = (lambda t: t.squeeze()) if axis is None else (lambda t: t.squeeze(axis))
    check_op(lambda t: t.squeeze(axis), lambda a: a.squeeze(axis), torch_fn, *randn(shape))


@given(shape=hnp.array_shapes(min_dims=0, max_dims=5, max_side=2))
@FAST
def test_squeeze_all_random(shape):
    check_op(lambda t: t.squeeze(), lambda a: a.squeeze(), lambda t: t.squeeze(), *randn(shape))


@pytest.mark.parametrize("shape, start, end", [((2, 3, 4), 0, -1), ((2, 3, 4, 5), 1, 2), ((2, 3, 4), 1, -1),
                                               ((2, 3, 4), 0, 1), ((2, 3, 4), 2, 2), ((), 0, -1), ((5,), 0, -1)])
def test_flatten(shape, start, end):
    s, e = (start % len(shape), end % len(shape)) if shape else (0, 0)
    flat = shape[:s] + (int(np.prod(shape[s : e + 1])),) + shape[e + 1 :]
    check_op(lambda t: t.flatten(start, end), lambda a: a.reshape(flat), lambda t: torch.flatten(t, start, end),
             *randn(shape))


def test_flatten_defaults_merge_every_axis():
    check_op(lambda t: t.flatten(), lambda a: a.flatten(), lambda t: t.flatten(), *randn((2, 3, 4)))
    check_op(lambda t: dg.flatten(t, start_dim=1), lambda a: a.reshape(2, 12), lambda t: t.flatten(1),
             *randn((2, 3, 4)))


@pytest.mark.parametrize("shape, target", [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (2, 2)), ((1, 3, 1), (2, 3, 4)),
                                           ((1,), 4)])
def test_broadcast_to(shape, target):
    t_target = target if isinstance(target, tuple) else (target,)
    check_op(lambda t: t.broadcast_to(target), lambda a: np.broadcast_to(a, target),
             lambda t: torch.broadcast_to(t, t_target), *randn(shape))


@given(data=st.data(), target=SHAPES)
@FAST
def test_broadcast_to_random(data, target):
    keep = data.draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)), label="keep")
    dropped = data.draw(st.integers(0, len(target)), label="leading axes dropped")
    shape = tuple(n if k else 1 for n, k in zip(target, keep))[dropped:]
    check_op(lambda t: dg.broadcast_to(t, target), lambda a: np.broadcast_to(a, target),
             lambda t: torch.broadcast_to(t, target), *randn(shape))


# --- concatenate, stack, split, pad ---------------------------------------------------------


@pytest.mark.parametrize("shapes, axis", [([(2, 3), (1, 3)], 0), ([(2, 3), (2, 1), (2, 2)], 1),
                                          ([(2, 3, 1), (2, 3, 4)], -1), ([(3,)], 0), ([(2,), (4,), (1,)], -1)])
def test_concatenate(shapes, axis):
    check_op(lambda *ts: dg.concatenate(ts, axis=axis), lambda *a: np.concatenate(a, axis=axis),
             lambda *ts: torch.cat(ts, dim=axis), *randn(*shapes))


@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
@FAST
def test_concatenate_random(data, base):
    axis = data.draw(st.integers(-len(base), len(base) - 1), label="axis")
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="lengths")
    shapes = [base[: axis % len(base)] + (n,) + base[axis % len(base) + 1 :] for n in lengths]
    check_op(lambda *ts: dg.concatenate(list(ts), axis), lambda *a: np.concatenate(a, axis),
             lambda *ts: torch.cat(ts, axis), *randn(*shapes))


@pytest.mark.parametrize("shape, n, axis", [((2, 3), 3, 0), ((2, 3), 2, -1), ((), 2, 0), ((), 3, -1), ((4,), 1, 1),
                                            ((2, 1, 3), 2, 1)])
def test_stack(shape, n, axis):
    check_op(lambda *ts: dg.stack(ts, axis=axis), lambda *a: np.stack(a, axis=axis),
             lambda *ts: torch.stack(ts, dim=axis), *randn(*[shape] * n))


@pytest.mark.parametrize("shape, split, axis", [((6,), 3, 0), ((4, 6), 2, 1), ((4, 6), 3, -1), ((7, 2), [2, 5], 0),
                                                ((2, 5), [1, 3], -1), ((5,), [0, 5], 0), ((3, 2), 1, 0)])
def test_split(shape, split, axis):
    check_op(lambda t: dg.split(t, split, axis=axis), lambda a: np.split(a, split, axis=axis),
             lambda t: torch.tensor_split(t, split, dim=axis), *randn(shape))


@pytest.mark.parametrize("split, used", [(3, 1), ([1, 4], 0), ([1, 4], 2)])
def test_split_gradient_reaches_only_the_piece_used(split, used):
    (a,) = randn((6, 2))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, dtype=torch.float32, requires_grad=True)
    w = np.random.default_rng(2).standard_normal(np.split(a, split)[used].shape).astype(np.float32)
    (dg.split(x, split)[used] * dg.tensor(w)).sum().backward()
    (torch.tensor_split(t, split)[used] * torch.from_numpy(w)).sum().backward()
    expected = [np.zeros_like(p) for p in np.split(a, split)]
    expected[used] = w
    np.testing.assert_array_equal(x.grad.numpy(), np.concatenate(expected).astype(np.float32))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert dg.check_gradients(lambda p: dg.split(p, split)[used], dg.tensor(a, dtype=dg.float64)) is True


def torch_pad_width(pad_width, ndim):
    """NumPy's pad_width as torch.nn.functional.pad's flat list, last axis first."""
    widths = np.broadcast_to(np.asarray(pad_width), (ndim, 2))
    return [int(n) for before_after in widths[::-1] for n in before_after]


@pytest.mark.parametrize("shape, pad_width", [((2, 3), 1), ((2, 3), (1, 2)), ((2, 3), ((1, 0), (0, 2))),
                                              ((3,), (2, 0)), ((2, 1, 3), ((0, 0), (1, 1), (2, 0))), ((2, 3), 0),
                                              ((2, 3), ((1, 2),))])
@pytest.mark.parametrize("value", [0, 2.5])
def test_pad(shape, pad_width, value):
    flat = torch_pad_width(pad_width, len(shape))
    check_op(lambda t: dg.pad(t, pad_width, constant_values=value),
             lambda a: np.pad(a, pad_width, constant_values=value),
             lambda t: F.pad(t, flat, value=value), *randn(shape))


def test_pad_of_a_0d_tensor_returns_it_unchanged_as_numpy_does():
    x = dg.tensor(3.0, dtype=dg.float64, requires_grad=True)
    out = dg.pad(x, 1)
    np.testing.assert_array_equal(out.numpy(), np.pad(np.array(3.0), 1))
    out.backward()
    assert x.grad.item() == 1.0


# --- indexing t[...] ------------------------------------------------------------------------

MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

INDEX_CASES = [  # id, shape, index (NumPy's), the same index for deepgrad if it differs, torch fn if it differs
    ("int", (3, 4), 1, None, None),
    ("negative int", (3, 4), -1, None, None),
    ("int pair", (3, 4), (2, -3), None, None),
    ("0-d", (), (), None, None),
    ("slices", (5, 4), (slice(1, None), slice(None, 3)), None, None),
    ("steps", (5, 4), (slice(None, None, 2), slice(1, None, 2)), None, None),
    ("negative step", (5, 4), (slice(None, None, -2), slice(1, None)), None, lambda t: t.flip(0)[::2, 1:]),
    ("None", (3, 4), (None, 1, None), None, None),
    ("Ellipsis", (2, 3, 4), (Ellipsis, 2), None, None),
    ("Ellipsis None slice", (2, 3, 4), (0, Ellipsis, None, slice(1, 3)), None, None),
    ("int array", (4, 3), np.array([2, 0, 3]), None, None),
    ("repeated indices", (4, 3), np.array([1, 1, 3, 1, -4]), None, None),
    ("2-D int array", (4, 3), np.array([[0, 0], [3, 0]]), None, None),
    ("list", (4, 3), [0, 2, 0], None, None),
    ("two arrays", (3, 4), (np.array([0, 2, 0]), np.array([1, 1, 1])), None, None),
    ("int tensor", (4, 3), np.array([3, 3, 1]), "tensor", None),
    ("0-d int tensor", (4, 3), np.array(2), "tensor", None),
    ("bool mask", (3, 4), MASK, None, None),
    ("bool tensor mask", (3, 4), MASK, "tensor", None),
    ("row mask", (3, 4), np.array([True, False, True]), None, None),
    ("row mask and slice", (3, 4), (np.array([False, True, True]), slice(None, None, 2)), None, None),
    ("mixed basic and advanced", (3, 4), (slice(None), [0, 2, 0]), None, None),
    ("advanced between slices", (2, 3, 4), (slice(None), np.array([2, 2]), slice(1, None)), None, None),
]


def torch_index(index):
    index = index if isinstance(index, tuple) else (index,)
    return tuple(torch.from_numpy(part) if isinstance(part, np.ndarray) else part for part in index)


@pytest.mark.parametrize("shape, index, dg_index, torch_fn", [pytest.param(*c[1:], id=c[0]) for c in INDEX_CASES])
def test_getitem(shape, index, dg_index, torch_fn):
    dg_index = dg.tensor(index) if dg_index == "tensor" else index
    torch_fn = torch_fn or (lambda t: t[torch_index(index)])
    check_op(lambda t: t[dg_index], lambda a: a[index], torch_fn, *randn(shape))


def test_getitem_repeated_indices_add_up():
    x = dg.tensor(np.arange(4.0), requires_grad=True)
    x[np.array([1, 1, 3, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0, 0.0, 1.0])
    y = dg.tensor(np.ones((2, 3)), requires_grad=True)
    (y[:, [0, 2, 0]] * dg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[101.0, 0.0, 10.0]] * 2)


def test_getitem_empty_list_index_matches_numpy():
    (a,) = randn((3, 2))
    np.testing.assert_array_equal(dg.tensor(a)[[]].numpy(), a[[]])


def flat_positions_reference(shape, index):
    """A PyTorch reference for any NumPy index: gather the flat positions that `index` picks."""
    positions = torch.from_numpy(np.array(np.arange(int(np.prod(shape))).reshape(shape)[index]))
    return lambda t: t.reshape(-1)[positions]


@given(data=st.data(), shape=SHAPES)
@FAST
def test_getitem_basic_random(data, shape):
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="index")
    check_op(lambda t: t[index], lambda a: a[index], flat_positions_reference(shape, index), *randn(shape))


@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
@FAST
def test_getitem_integer_arrays_random(data, shape):
    index = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=0, max_dims=2)))
    check_op(lambda t: t[index], lambda a: a[index], lambda t: t[torch_index(index)], *randn(shape))


@given(data=st.data(), shape=SHAPES)
@FAST
def test_getitem_boolean_mask_random(data, shape):
    mask = data.draw(hnp.arrays(bool, shape), label="mask")
    check_op(lambda t: t[dg.tensor(mask)], lambda a: a[mask], lambda t: t[torch.from_numpy(mask)], *randn(shape))


# --- matmul ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                              ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                                              ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)), ((2, 3, 4), (4,)),
                                              ((4,), (2, 4, 3)), ((1, 1), (1, 1))], ids=str)
def test_matmul(shape_a, shape_b):
    check_op(lambda a, b: a @ b, np.matmul, torch.matmul, *randn(shape_a, shape_b), exact=False, atol=1e-5)
    check_op(dg.matmul, np.matmul, torch.matmul, *randn(shape_a, shape_b, seed=3), exact=False, atol=1e-5)


@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3))
@FAST
def test_matmul_random(shapes):
    check_op(lambda a, b: a @ b, np.matmul, torch.matmul, *randn(*shapes.input_shapes), exact=False, atol=1e-5)


def test_matmul_with_a_constant_operand_gives_only_the_tensor_a_gradient():
    a, b = randn((2, 3, 4), (4, 2))
    x = dg.tensor(a, requires_grad=True)
    (x @ b).backward(np.ones((2, 3, 2)))
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 3, 2)) @ b.T, rtol=1e-5)


# --- typed errors ---------------------------------------------------------------------------


def test_reshape_to_an_impossible_shape_names_both_shapes():
    with pytest.raises(dg.ShapeError, match=r"\(2, 3\).*\(4, 2\)"):
        dg.ones((2, 3)).reshape(4, 2)


def test_concatenate_of_mismatched_shapes_names_them():
    with pytest.raises(dg.ShapeError, match=r"\(2, 3\).*\(3, 4\)"):
        dg.concatenate([dg.ones((2, 3)), dg.ones((3, 4))], axis=1)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (2, 3)), ((3,), (4,)), ((2, 3, 4), (5, 2)), ((3,), (2, 4, 3))])
def test_matmul_inner_mismatch_names_both_shapes(shape_a, shape_b):
    with pytest.raises(dg.ShapeError) as error:
        dg.ones(shape_a) @ dg.ones(shape_b)
    assert str(shape_a) in str(error.value) and str(shape_b) in str(error.value)


@pytest.mark.parametrize("axes", [(0, 0), (1,), (0, 1, 2), (0, 2), (0, 3), (-3, 0)], ids=str)
def test_transpose_with_bad_axes_raises_shape_error(axes):
    with pytest.raises(dg.ShapeError):
        dg.ones((2, 3)).transpose(axes)


@pytest.mark.parametrize("index", [5, -4, (0, 4), (slice(None), 4), np.array([0, 7]), (0, 0, 0)])
def test_out_of_range_index_raises_index_error(index):
    with pytest.raises(IndexError):
        dg.ones((3, 4))[index]


def test_squeeze_of_an_axis_longer_than_1_raises_shape_error():
    with pytest.raises(dg.ShapeError, match=r"\(2, 1, 3\)"):
        dg.ones((2, 1, 3)).squeeze(0)


def test_broadcast_to_an_incompatible_shape_raises_shape_error():
    with pytest.raises(dg.ShapeError, match=r"\(2, 3\).*\(4, 3\)"):
        dg.ones((2, 3)).broadcast_to((4, 3))


def test_pad_with_an_unsupported_mode_names_the_supported_one():
    with pytest.raises(ValueError, match="constant"):
        dg.pad(dg.ones((2, 3)), 1, mode="reflect")
