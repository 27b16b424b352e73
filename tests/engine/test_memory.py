"""Reuse: big per-step arrays come from a free list, and go back only once no view of them is left."""

import numpy as np

from deepgrad.engine.memory import Reuse


def test_reused_memory_stays_taken_while_any_view_of_an_array_lives():
    memory = Reuse()
    array = memory.empty((10, 4), np.float32, np)
    view = array[2:5].T[1]
    del array
    assert memory.free == {}
    del view
    assert [len(blocks) for blocks in memory.free.values()] == [1]
    assert memory.empty((4, 10), np.float32, np).shape == (4, 10) and memory.free == {160: []}
