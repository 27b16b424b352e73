"""DataLoader: batching, shuffling, seeding, collation and argument checks."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data import DataLoader, Dataset, TensorDataset


def xy(n=10):
    return np.arange(2.0 * n).reshape(n, 2), np.arange(n)


def test_batches_are_tuples_of_tensors_in_order_with_a_partial_last_batch():
    x, y = xy(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [tuple(b.shape for b in batch) for batch in batches] == [((4, 2), (4,)), ((4, 2), (4,)), ((2, 2), (2,))]
    assert all(isinstance(t, dg.Tensor) for batch in batches for t in batch)
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), x)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y)


def test_drop_last_leaves_out_the_short_batch():
    x, y = xy(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True))
    assert [len(yb) for _, yb in batches] == [4, 4]
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y[:8])


@pytest.mark.parametrize("n,batch_size,drop_last,expected", [
    (10, 4, False, 3), (10, 4, True, 2), (12, 4, False, 3), (12, 4, True, 3),
    (3, 32, False, 1), (3, 32, True, 0), (0, 8, False, 0), (1, 1, False, 1),
])
def test_len_is_the_number_of_batches(n, batch_size, drop_last, expected):
    loader = DataLoader(TensorDataset(np.zeros((n, 2))), batch_size=batch_size, drop_last=drop_last, shuffle=True,
                        seed=0)
    assert len(loader) == expected
    assert len(list(loader)) == expected


def test_dtypes_follow_dg_tensor():
    arrays = [np.zeros((5, 2)), np.zeros(5, np.float32), np.arange(5), np.zeros(5, np.uint8), np.zeros(5, bool)]
    batch = next(iter(DataLoader(TensorDataset(*arrays), batch_size=5)))
    assert [t.dtype for t in batch] == [dg.tensor(a).dtype for a in arrays]
    assert [str(t.dtype) for t in batch] == ["float32", "float32", "int64", "uint8", "bool"]


def test_a_batch_does_not_share_memory_with_the_dataset():
    x = np.zeros((4, 2), np.float32)
    for shuffle in (False, True):
        (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=4, shuffle=shuffle, seed=0)))
        xb.data[...] = 7
        assert (x == 0).all()


def epochs(loader, count=3):
    return [np.concatenate([yb.numpy() for _, yb in loader]) for _ in range(count)]


def test_a_seeded_shuffle_is_repeatable_new_every_epoch_and_visits_every_sample_once():
    x, y = xy(50)
    first = epochs(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3))
    again = epochs(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3))
    other = epochs(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=4))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    assert not np.array_equal(first[0], other[0])
    for order in first:
        np.testing.assert_array_equal(np.sort(order), y)


def test_the_seed_is_numpy_default_rng():
    loader = DataLoader(TensorDataset(np.arange(20)), batch_size=20, shuffle=True, seed=11)
    rng = np.random.default_rng(11)
    for _ in range(2):
        (batch,) = next(iter(loader))
        np.testing.assert_array_equal(batch.numpy(), rng.permutation(20))


def test_shuffled_rows_stay_paired():
    x, y = xy(30)
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, seed=0):
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()].astype(np.float32))


def test_without_a_seed_dg_manual_seed_makes_the_order_repeatable():
    loader = DataLoader(TensorDataset(*xy(40)), batch_size=16, shuffle=True)
    dg.manual_seed(5)
    first = epochs(loader, 2)
    dg.manual_seed(5)
    again = epochs(loader, 2)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    dg.manual_seed(5)
    np.testing.assert_array_equal(first[0], np.random.default_rng(5).permutation(40))
    assert not np.array_equal(first[0], first[1])


def test_the_order_is_drawn_when_the_epoch_starts():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=10, shuffle=True)
    dg.manual_seed(1)
    epoch = iter(loader)
    dg.manual_seed(2)  # reseeding after iter() does not change the epoch already begun
    (batch,) = next(epoch)
    np.testing.assert_array_equal(batch.numpy(), np.random.default_rng(1).permutation(10))


def test_without_shuffle_the_order_is_the_dataset_order_every_epoch():
    x, y = xy(9)
    for order in epochs(DataLoader(TensorDataset(x, y), batch_size=4)):
        np.testing.assert_array_equal(order, y)


class Points(Dataset):
    """A generic dataset: each sample is (a float64 vector, an int label, a Python float)."""

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls += 1
        return np.full(3, float(i)), i % 2, i / 10


def test_a_generic_dataset_is_collated_by_stacking_each_field():
    data = Points(7)
    batches = list(DataLoader(data, batch_size=3))
    assert data.calls == 7
    vectors, labels, floats = batches[0]
    assert vectors.shape == (3, 3) and vectors.dtype == np.float32
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 0]
    assert floats.dtype == np.float32 and np.allclose(floats.numpy(), [0.0, 0.1, 0.2])
    np.testing.assert_array_equal(batches[2][0].numpy(), [[6.0, 6.0, 6.0]])


def test_a_generic_dataset_is_shuffled_too():
    loader = DataLoader(Points(20), batch_size=6, shuffle=True, seed=0)
    orders = [np.concatenate([v.numpy()[:, 0] for v, _, _ in loader]).astype(int) for _ in range(2)]
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(20))
        assert not np.array_equal(order, np.arange(20))
    np.testing.assert_array_equal(orders[0], np.random.default_rng(0).permutation(20))
    assert not np.array_equal(orders[0], orders[1])


class Listy(Dataset):
    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def test_samples_that_are_lists_or_single_values_are_collated():
    (single,) = next(iter(DataLoader(Listy([1.5, 2.5]), batch_size=2)))
    assert single.tolist() == [1.5, 2.5]
    first, second = next(iter(DataLoader(Listy([[1, 2.0], [3, 4.0]]), batch_size=2)))
    assert first.tolist() == [1, 3] and second.tolist() == [2.0, 4.0]


def test_samples_of_different_shapes_or_widths_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"field 0.*different shapes.*\(2,\).*\(3,\)"):
        list(DataLoader(Listy([(np.zeros(2),), (np.zeros(3),)]), batch_size=2))
    with pytest.raises(ValueError, match=r"sample 1 of the batch has 1 and the first has 2"):
        list(DataLoader(Listy([(1, 2), (3,)]), batch_size=2))


def test_a_tensor_dataset_is_fetched_with_one_index_per_batch(monkeypatch):
    calls = []
    original = TensorDataset.__getitem__

    def spy(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(TensorDataset, "__getitem__", spy)
    list(DataLoader(TensorDataset(*xy(100)), batch_size=32, shuffle=True, seed=0))
    assert len(calls) == 4 and all(isinstance(index, np.ndarray) for index in calls)


def test_a_subclass_that_overrides_getitem_is_fetched_sample_by_sample():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            (x,) = super().__getitem__(index)
            return (2 * x,)

    (batch,) = next(iter(DataLoader(Doubled(np.arange(4)), batch_size=4)))
    assert batch.tolist() == [0, 2, 4, 6]


def test_an_array_or_tensor_is_wrapped_in_a_tensor_dataset():
    for data in (np.arange(5), dg.arange(5)):
        loader = DataLoader(data, batch_size=2)
        assert isinstance(loader.dataset, TensorDataset)
        assert [b.tolist() for (b,) in loader] == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("arguments,error,message", [
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive integer, got 0"),
    ({"batch_size": -4}, ValueError, r"got -4"),
    ({"batch_size": 2.5}, ValueError, r"got 2.5"),
    ({"batch_size": True}, ValueError, r"got True"),
    ({"batch_size": "32"}, ValueError, r"got '32'"),
    ({"shuffle": "yes"}, TypeError, r"shuffle must be True or False, got 'yes'"),
    ({"drop_last": 1}, TypeError, r"drop_last must be True or False, got 1"),
    ({"seed": -1}, ValueError, r"seed must be a non-negative integer, got -1"),
    ({"seed": 1.5}, ValueError, r"got 1.5"),
])
def test_bad_arguments_are_refused_naming_the_value(arguments, error, message):
    with pytest.raises(error, match=message):
        DataLoader(TensorDataset(np.zeros(4)), **arguments)


def test_a_numpy_integer_batch_size_is_accepted():
    assert len(DataLoader(TensorDataset(np.zeros(10)), batch_size=np.int64(5))) == 2


def test_something_that_is_not_a_dataset_is_refused():
    with pytest.raises(TypeError, match=r"needs a dataset with __len__ and __getitem__, got int.*TensorDataset"):
        DataLoader(42)
