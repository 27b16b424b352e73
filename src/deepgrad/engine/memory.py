"""Reusable memory for the big arrays an op makes anew at every training step."""

import weakref

from deepgrad.engine import backend


class Reuse:
    """Memory for the big per-call arrays (saved activations, gate gradients), reused across calls.

    A training step makes the same arrays again (25 MB for the LSTM of benchmarks/bench_lstm.py),
    and memory fresh from the system costs a page fault and the kernel's zeroing per page touched,
    about 1 ms per 6.5 MB on the 2-core machine. glibc gives large blocks back to the system when
    they are freed, so without this they were fresh every time: a quarter of the CPU time of that
    benchmark's step went to page faults (with one BLAS thread, 27 ms of CPU per step; 20.5 ms and no
    page faults with this).

    Each array is a view of a block of bytes (a NumPy array, so that NumPy's huge-page advice holds)
    through a memoryview, which makes it the array that every later view refers to (NumPy views
    refer to the first array that does not own its memory). A finalizer on it puts the block back
    in the free list once it and all its views are gone. Free blocks are kept up to `budget` bytes.
    Only for NumPy: CuPy has its own memory pool.
    """

    def __init__(self, budget=256 * 2**20):
        self.budget, self.kept, self.free = budget, 0, {}  # free: nbytes -> [blocks]

    def empty(self, shape, dtype, xp):
        if xp is not backend.numpy:
            return xp.empty(shape, dtype)
        dtype = xp.dtype(dtype)
        count = int(xp.prod(shape))
        nbytes = count * dtype.itemsize
        blocks = self.free.get(nbytes)
        if blocks:
            block = blocks.pop()
            self.kept -= nbytes
        else:
            block = xp.empty(nbytes, xp.uint8)
        array = xp.frombuffer(memoryview(block), dtype, count)
        weakref.finalize(array, self._give_back, block)
        return array.reshape(shape)

    def _give_back(self, block):
        if self.kept + block.nbytes <= self.budget:
            self.free.setdefault(block.nbytes, []).append(block)
            self.kept += block.nbytes
