"""Dataset and TensorDataset: lengths, indexing, and errors that name the bad value."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data import Dataset, TensorDataset


def test_tensor_dataset_pairs_the_rows_of_its_arrays():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10) * 3
    data = TensorDataset(x, y)
    assert len(data) == 10
    x3, y3 = data[3]
    np.testing.assert_array_equal(x3, [6.0, 7.0])
    assert y3 == 9


def test_indexing_with_a_slice_or_an_index_array_returns_a_tuple_of_arrays():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    data = TensorDataset(x, y)
    xs, ys = data[2:5]
    np.testing.assert_array_equal(xs, x[2:5])
    np.testing.assert_array_equal(ys, [2, 3, 4])
    xi, yi = data[np.array([9, 0, 9])]
    np.testing.assert_array_equal(xi, x[[9, 0, 9]])
    np.testing.assert_array_equal(yi, [9, 0, 9])
    assert isinstance(data[[1, 2]], tuple) and all(isinstance(a, np.ndarray) for a in data[[1, 2]])


def test_one_array_gives_one_tuples_as_in_pytorch():
    data = TensorDataset(np.arange(4))
    assert data[1] == (1,)
    assert isinstance(data[1:3], tuple) and len(data[1:3]) == 1


def test_tensors_are_accepted_and_stored_as_host_arrays():
    x = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    data = TensorDataset(x, np.array([0, 1]))
    assert isinstance(data.arrays[0], np.ndarray) and data.arrays[0].dtype == np.float32
    np.testing.assert_array_equal(data[1][0], [3.0, 4.0])


def test_arrays_of_different_lengths_are_refused_with_the_lengths():
    with pytest.raises(ValueError, match=r"same number of samples.*100, 99"):
        TensorDataset(np.zeros((100, 3)), np.zeros(99))


def test_no_array_or_a_single_number_is_refused():
    with pytest.raises(ValueError, match=r"at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"array 1 is a single number"):
        TensorDataset(np.zeros(3), np.float64(2.0))


def test_an_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError):
        TensorDataset(np.zeros(3))[3]


def test_the_base_class_says_what_a_subclass_must_define():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define __len__"):
        len(Empty())
    with pytest.raises(NotImplementedError, match=r"Empty must define __getitem__"):
        Empty()[0]
