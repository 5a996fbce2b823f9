"""How the web workers use memory.

glibc's allocator keeps what a thread freed for later, once per thread arena, and raises its mmap
threshold each time a large block is freed, so that ever larger temporary buffers (Argon2's
19 MiB per sign-in) end up kept in the worker's resident memory for good. A fixed threshold of
16 MiB sends those back to the operating system, while the 8 MiB parts of an upload stay in the
arenas and are reused (mapping them afresh each time made uploads a third slower), and two
arenas are enough for gunicorn's few threads. Measured with `make bench` (worker_rss_mb, and
BENCH_ONLY=upload,surge): about 125 MB after the whole run instead of 230 to 270 MB. Called from
wsgi.py, before the app allocates anything large; a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterator
from contextlib import contextmanager

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 16 * 1024 * 1024  # above boto3's 8 MiB parts, below Argon2's 19 MiB
ARENA_MAX = 2


def tune_allocator() -> bool:
    """True when glibc accepted both settings."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_ARENA_MAX, ARENA_MAX)
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, back on after (unless it was off).

    Building many objects at once (a 10,000-entry ranking's rows) makes the collector run its
    full passes over every object of the process, about 100 ms each, to find nothing: those
    objects hold no cycles, and reference counting frees them as usual. Measured in-process on
    the 10,000-entry bench round: median 0.21 s per ranking before, 0.18 s with the pause."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
