"""How the web workers use memory.

glibc's allocator keeps what a thread freed for later: large temporary buffers (Argon2's 19 MiB
per sign-in, boto3's 8 MiB upload parts) stay in the worker's resident memory for good, once per
thread arena. Fixing the mmap threshold makes such buffers come from, and go back to, the
operating system, and two arenas are enough for gunicorn's few threads. Called from wsgi.py,
before the app allocates anything large; a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's default, which it would otherwise raise as it goes
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
