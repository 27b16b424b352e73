"""Reuse: big per-step arrays come from a free list, and go back only once no view of them is left.
keep_freed_memory: glibc's malloc keeps big freed blocks for the next step."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

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


HEAP_CHECK = """
import numpy as np
import deepgrad
block = np.empty(40 * 2**20, np.uint8)  # above glibc's largest dynamic mmap threshold (32 MiB)
address = block.ctypes.data
for line in open("/proc/self/maps"):
    if line.rstrip().endswith("[heap]"):
        start, end = (int(part, 16) for part in line.split()[0].split("-"))
        print(start <= address < end)
        break
else:
    print(False)
"""


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
@pytest.mark.parametrize("setting,from_heap", [("1", True), ("0", False)])
def test_importing_deepgrad_keeps_big_blocks_in_mallocs_heap_unless_switched_off(setting, from_heap):
    """keep_freed_memory: a 40 MiB array comes from malloc's heap (memory kept when freed), not from
    a fresh mapping; DEEPGRAD_KEEP_FREED_MEMORY=0 leaves glibc's default (a mapping of its own)."""
    env = {**os.environ, "DEEPGRAD_KEEP_FREED_MEMORY": setting}
    out = subprocess.run([sys.executable, "-c", HEAP_CHECK], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(from_heap)
