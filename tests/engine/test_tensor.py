"""Tensors: creation, constructors, seeding, attributes, conversion and dtype promotion."""

import operator

import numpy as np
import pytest
import torch

import deepgrad as dg

# --- dg.tensor ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (1.5, np.float32),
        ([0.5, 1.5, -2.0], np.float32),
        (np.array([0.1, 0.2], dtype=np.float64), np.float32),
        (np.array([0.1, 0.2], dtype=np.float32), np.float32),
        (3, np.int64),
        ([[1, 2], [3, 4]], np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
    ],
)
def test_tensor_default_dtypes(data, expected):
    t = dg.tensor(data)
    assert t.dtype == np.dtype(expected)
    np.testing.assert_array_equal(t.numpy(), np.asarray(data).astype(expected))


@pytest.mark.parametrize("dtype", ["float64", dg.float64, np.float64])
def test_tensor_dtype_override(dtype):
    t = dg.tensor([0.1, 0.2], dtype=dtype)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), np.array([0.1, 0.2]))


def test_tensor_dtype_override_to_integer_and_float():
    assert dg.tensor([1.0, 2.0], dtype="int32").dtype == np.int32
    assert dg.tensor([1, 2], dtype="float32").dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_tensor_copies_its_input(dtype):
    source = np.array([1, 2, 3], dtype=dtype)
    t = dg.tensor(source)
    source[0] = 100
    assert t.numpy()[0] == 1


class _ArraySubclass(np.ndarray):
    pass


@pytest.mark.parametrize("dtype", [None, np.float64, np.float32, np.int32])
@pytest.mark.parametrize("layout", ["fortran", "transposed", "strided", "subclass"])
def test_tensor_is_a_c_ordered_copy_whatever_the_layout_and_dtype(layout, dtype):
    """Like torch.tensor: the same values, in row-major order, never sharing memory with the source
    (once a same-dtype copy was C order while a converting copy kept the source's layout)."""
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    source = {
        "fortran": np.asfortranarray(base),
        "transposed": base.T,
        "strided": base[:, ::2],
        "subclass": base.view(_ArraySubclass),  # as np.memmap: np.asarray gives a view, not the same object
    }[layout]
    t = dg.tensor(source, dtype=dtype)
    assert t.data.flags.c_contiguous
    expected = source.astype(dtype if dtype is not None else np.float32)
    np.testing.assert_array_equal(t.numpy(), expected)
    assert not np.shares_memory(t.data, source)
    source[...] = -1
    np.testing.assert_array_equal(t.numpy(), expected)


def test_tensor_from_tensor_copies_and_keeps_dtype():
    original = dg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    copy = dg.tensor(original)
    assert copy.dtype == np.float64 and not copy.requires_grad and copy.is_leaf
    original.data[0] = 9.0
    np.testing.assert_array_equal(copy.numpy(), [1.0, 2.0])
    assert dg.tensor(original, dtype="float32").dtype == np.float32


def test_tensor_requires_grad():
    t = dg.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None


# --- constructors -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [3, (2, 3), (), (1, 0, 2)])
@pytest.mark.parametrize("make, value", [(dg.zeros, 0.0), (dg.ones, 1.0), (lambda s, **k: dg.full(s, 2.5, **k), 2.5)])
def test_filled_constructors(make, value, shape):
    t = make(shape)
    expected = np.full(shape, value, dtype=np.float32)
    assert t.shape == expected.shape and t.dtype == np.float32 and not t.requires_grad
    np.testing.assert_array_equal(t.numpy(), expected)
    t64 = make(shape, dtype="float64", requires_grad=True)
    assert t64.dtype == np.float64 and t64.requires_grad


def test_full_with_integer_value_is_float32_unless_dtype():
    assert dg.full(2, 7).dtype == np.float32
    t = dg.full((2,), 7, dtype="int64")
    assert t.dtype == np.int64 and t.tolist() == [7, 7]


@pytest.mark.parametrize("source_dtype", ["float32", "float64", "int64"])
def test_like_constructors_keep_shape_and_dtype(source_dtype):
    source = dg.tensor(np.arange(6).reshape(2, 3), dtype=source_dtype)
    for make, value in [(dg.zeros_like, 0), (dg.ones_like, 1)]:
        t = make(source)
        assert t.shape == (2, 3) and t.dtype == np.dtype(source_dtype)
        np.testing.assert_array_equal(t.numpy(), np.full((2, 3), value))
    assert dg.zeros_like(source, dtype="float64").dtype == np.float64
    assert dg.ones_like(source, dtype="float32", requires_grad=True).requires_grad


@pytest.mark.parametrize(
    "args, kwargs, expected_dtype",
    [
        ((5,), {}, np.int64),
        ((1, 10, 3), {}, np.int64),
        ((0.0, 1.0, 0.25), {}, np.float32),
        ((5,), {"dtype": "float64"}, np.float64),
    ],
)
def test_arange(args, kwargs, expected_dtype):
    t = dg.arange(*args, **kwargs)
    assert t.dtype == expected_dtype
    np.testing.assert_array_equal(t.numpy(), np.arange(*args).astype(expected_dtype))


def test_linspace():
    t = dg.linspace(-1.0, 2.0, 7)
    assert t.dtype == np.float32 and t.shape == (7,)
    np.testing.assert_allclose(t.numpy(), np.linspace(-1.0, 2.0, 7), rtol=1e-6)
    assert dg.linspace(0, 1, 3, dtype="float64", requires_grad=True).requires_grad


def test_eye():
    np.testing.assert_array_equal(dg.eye(3).numpy(), np.eye(3, dtype=np.float32))
    rectangle = dg.eye(2, 4, dtype="float64")
    assert rectangle.dtype == np.float64
    np.testing.assert_array_equal(rectangle.numpy(), np.eye(2, 4))


@pytest.mark.parametrize("make", [dg.randn, dg.rand])
def test_random_constructors_take_ints_or_a_tuple(make):
    assert make(4).shape == (4,)
    assert make(2, 3).shape == (2, 3)
    assert make(2, 3, 4).shape == (2, 3, 4)
    assert make((2, 3)).shape == (2, 3)
    t = make(3, 5, dtype="float64", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and make(2).dtype == np.float32


def test_rand_and_randn_value_ranges():
    dg.manual_seed(0)
    uniform = dg.rand(1000).numpy()
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    normal = dg.randn(10_000).numpy()
    assert abs(normal.mean()) < 0.05 and abs(normal.std() - 1.0) < 0.05


def test_randint():
    dg.manual_seed(0)
    t = dg.randint(-2, 3, (4, 50))
    assert t.shape == (4, 50) and t.dtype == np.int64
    assert set(np.unique(t.numpy())) == {-2, -1, 0, 1, 2}
    assert dg.randint(0, 5, 7).shape == (7,)
    assert dg.randint(0, 5, 3, dtype="float32").dtype == np.float32
    with pytest.raises(ValueError):
        dg.randint(3, 3, 2)


def test_constructor_requires_grad_on_integers_raises():
    with pytest.raises(TypeError, match="int64"):
        dg.randint(0, 5, 3, requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        dg.arange(3, requires_grad=True)


# --- seeding ------------------------------------------------------------------------------------


def _draw():
    return dg.randn(2, 3).numpy(), dg.rand(4).numpy(), dg.randint(0, 1000, 5).numpy()


def test_manual_seed_makes_draws_repeatable():
    assert dg.manual_seed(123) == 123
    first = _draw()
    dg.manual_seed(np.int64(123))
    second = _draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_differ():
    dg.manual_seed(1)
    first = _draw()
    dg.manual_seed(2)
    second = _draw()
    assert all(not np.array_equal(a, b) for a, b in zip(first, second))


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seeds_raise(seed):
    with pytest.raises(ValueError):
        dg.manual_seed(seed)


# --- attributes and conversion ------------------------------------------------------------------


def test_attributes():
    t = dg.tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.ndim == 2 and t.size == 6
    assert isinstance(t.dtype, np.dtype) and t.dtype == np.float32
    assert t.device == "cpu" and not t.requires_grad and t.grad is None and t.is_leaf
    result = dg.tensor([1.0], requires_grad=True) * 2.0
    assert result.requires_grad and not result.is_leaf


def test_numpy_item_tolist():
    values = np.array([[1.5, -2.0], [0.25, 4.0]], dtype=np.float32)
    t = dg.tensor(values)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), values)
    assert t.tolist() == values.tolist()
    scalar = dg.tensor(2.5)
    assert scalar.item() == 2.5 and isinstance(scalar.item(), float)
    assert dg.tensor([7]).item() == 7 and isinstance(dg.tensor([7]).item(), int)
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        t.item()


def test_detach_shares_values_without_grad():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    detached = y.detach()
    assert not detached.requires_grad and detached.is_leaf
    np.testing.assert_array_equal(detached.numpy(), y.numpy())
    leaf_view = x.detach()
    leaf_view += 1.0  # allowed: it does not require grad, and it changes x too
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0])


def test_numpy_protocol_and_python_conversions():
    t = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    array = np.asarray(t)
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    np.testing.assert_array_equal(array, [[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert float(dg.tensor([2.5])) == 2.5
    assert len(t) == 2
    rows = list(t)
    assert all(isinstance(row, dg.Tensor) for row in rows)
    assert [row.tolist() for row in rows] == t.tolist()
    with pytest.raises(TypeError):
        len(dg.tensor(1.0))


def test_repr_contains_values():
    text = repr(dg.tensor([1.5, -2.25]))
    assert "1.5" in text and "-2.25" in text
    assert "requires_grad=True" in repr(dg.tensor([3.0], requires_grad=True))


def test_astype_and_to():
    x = dg.tensor([1.5, 2.5], requires_grad=True)
    wide = x.astype("float64")
    assert wide.dtype == np.float64 and wide.requires_grad
    (wide * wide).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())
    assert x.to("cpu").device == "cpu"
    assert not x.astype("int64").requires_grad


# --- dtype promotion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (dg.tensor([1.0, 2.0]), 0.5, np.float32),
        (dg.tensor([1, 2]), 0.5, np.float32),
        (dg.tensor([1, 2]), dg.tensor([0.5, 0.5]), np.float32),
        (dg.tensor([1.0, 2.0]), np.array([0.5, 0.25]), np.float32),
        (dg.tensor([1.0, 2.0], dtype="float64"), 0.5, np.float64),
        (dg.tensor([True, False]), 3, np.int64),
        (dg.tensor([1, 2]), 3, np.int64),
        (dg.tensor([1.0, 2.0]), dg.tensor([0.5, 0.5], dtype="float64"), np.float64),
    ],
)
def test_promotion_of_addition(left, right, expected):
    result = left + right
    assert result.dtype == expected
    reference = np.asarray(left.numpy(), dtype=np.float64) + np.asarray(
        right.numpy() if isinstance(right, dg.Tensor) else right, dtype=np.float64
    )
    np.testing.assert_allclose(result.numpy(), reference, rtol=1e-6)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow])
def test_ndarray_on_the_left(op):
    array = np.array([0.5, 2.0, 3.0])
    t = dg.tensor([1.5, 0.5, 2.0], requires_grad=True)
    result = op(array, t)
    assert isinstance(result, dg.Tensor) and result.dtype == np.float32
    result.sum().backward()
    reference = torch.tensor([1.5, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    op(torch.tensor(array), reference).sum().backward()
    np.testing.assert_allclose(result.numpy(), op(array, t.numpy().astype(np.float64)), rtol=1e-6)
    np.testing.assert_allclose(t.grad.numpy(), reference.grad.numpy(), rtol=1e-6)


def test_ndarray_matmul_on_the_left():
    array = np.arange(6.0).reshape(2, 3)
    w = dg.tensor(np.ones((3, 2)), requires_grad=True)
    result = array @ w
    assert isinstance(result, dg.Tensor) and result.shape == (2, 2)
    result.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), array.T @ np.ones((2, 2)))


def test_integer_division_gives_float32():
    a, b = dg.tensor([1, 2, 3]), dg.tensor([2, 2, 2])
    result = a / b
    assert result.dtype == np.float32
    np.testing.assert_allclose(result.numpy(), np.array([1, 2, 3]) / 2)
    assert (a / 2).dtype == np.float32


def test_gradients_keep_their_input_dtype():
    x_values = np.array([1.0, -2.0], dtype=np.float32)
    w_values = np.array([0.3, 0.7])
    x = dg.tensor(x_values, requires_grad=True)
    w = dg.tensor(w_values, dtype="float64", requires_grad=True)
    product = x * w
    assert product.dtype == np.float64
    (product * product).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    x64 = x_values.astype(np.float64)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x64 * w_values**2, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), 2 * w_values * x64**2, rtol=1e-12)
