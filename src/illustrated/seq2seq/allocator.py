"""Keep the memory a training step frees inside the process, for the next step to reuse.

A training step allocates and frees the same large buffers every time: the ``[tokens, vocab]``
logits, their softmax and gradients (4,096 × 7,751 float32 = 127 MB at the Transformer's default
batch). glibc serves every request above its mmap threshold (at most 32 MB) with a fresh
``mmap`` and gives it back with ``munmap`` on free, so each step faults all those pages in again:
about 160,000 minor page faults a second in a bfloat16 Transformer run. Served from the heap and
kept there, the pages stay mapped and the next step reuses them.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: glibc's ``mallopt`` parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4

#: freed heap memory glibc may keep before giving it back to the system (bytes)
TRIM_THRESHOLD = 1 << 30

#: glibc's own environment settings: any of them set means the user chose, and is left alone
GLIBC_VARIABLES = ("MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def keep_freed_memory() -> bool:
    """Serve large allocations from the heap and keep up to 1 GiB of freed memory mapped.

    Affects only allocations made afterwards, in this process. A no-op returning ``False`` where
    the C library is not glibc (macOS, musl, Windows) or where one of glibc's own malloc variables
    is set (``MALLOC_MMAP_MAX_=65536`` restores glibc's defaults); ``True`` when both settings took.
    """
    if not sys.platform.startswith("linux") or any(name in os.environ for name in GLIBC_VARIABLES):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
