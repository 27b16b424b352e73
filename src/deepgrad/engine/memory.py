"""Memory for the big arrays an op makes anew at every training step: glibc's malloc told to keep
what is freed (`keep_freed_memory`, done when deepgrad is imported), and a pool (`Reuse`).

Why. A training step frees its activations and makes them again at the next step. glibc's malloc
serves blocks above its mmap threshold (128 KiB at first, then raised, up to 32 MiB, to the
largest block freed so far) straight from the system and returns them when freed, and returns the
free top of its heap above the trim threshold too. Memory fresh from the system costs a page
fault per 4 KiB page touched, about 5 µs each on the 2-core VM of PERF-NOTES.md (the kernel zeroes
the page, and with two threads a returned block costs a TLB shootdown on the other core). How
often that happens depends on what ran before: measured in one process, the MNIST CNN step of
benchmarks/bench_cnn.py took 12.7 ms with 340 page faults per step, and 21-23 ms with 1,800 once a
PyTorch training step had run in the same process; the CIFAR CNN step, whose 75 MB im2col columns
are above any dynamic threshold, made 2,400-6,300 page faults per step.
"""

import ctypes
import math
import os
import platform
import sys
import weakref

from deepgrad.engine import backend

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (<malloc.h>)


def keep_freed_memory(limit=512 * 2**20):
    """Tell glibc's malloc to keep freed memory for the next allocation: blocks below `limit`
    bytes come from its heap, and up to `limit` free bytes at the heap's top stay mapped.

    With this (the default, done on `import deepgrad`) the training steps above make no page faults
    once warm: MNIST CNN 12.4 ms, CIFAR CNN 121 ms instead of 150-160. The cost is that memory
    freed by a step stays with the process (its peak resident size does not change). Returns
    whether the setting took: only on Linux with glibc, and not when the environment variable
    DEEPGRAD_KEEP_FREED_MEMORY is "0", which leaves malloc as the system set it.
    """
    if os.environ.get("DEEPGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    return bool(mallopt(M_MMAP_THRESHOLD, limit)) and bool(mallopt(M_TRIM_THRESHOLD, limit))


class Reuse:
    """Memory for the big per-call arrays (saved activations, gate gradients), reused across calls.

    A training step makes the same arrays again (25 MB for the LSTM of benchmarks/bench_lstm.py),
    and memory fresh from the system costs a page fault and the kernel's zeroing per page touched,
    about 1 ms per 6.5 MB on the 2-core machine. glibc gives large blocks back to the system when
    they are freed, so without this they were fresh every time: a quarter of the CPU time of that
    benchmark's step went to page faults (with one BLAS thread, 27 ms of CPU per step; 20.5 ms and no
    page faults with this). `keep_freed_memory` now does the same for every array where glibc
    allows it; this pool still serves where it does not (other C libraries, or the setting off).

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
        count = math.prod(shape)  # xp.prod took 7 µs a call, 6 calls a step of the LSTM
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
