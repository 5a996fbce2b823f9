"""What a web worker holds in memory: heavy libraries only where they are used, and an
allocator that gives large temporary buffers back."""

from __future__ import annotations

import os
import subprocess
import sys

from config import PROJECT_ROOT


def test_a_web_worker_does_not_load_the_solver_or_spreadsheet_libraries():
    """NumPy, SciPy and openpyxl cost a worker about 80 MB and serve only the assignment
    solver and the exports; the worker imports them when those run, not at start."""
    probe = (
        "import sys, wsgi; "
        "print(sorted(m for m in ('numpy', 'scipy', 'openpyxl') if m in sys.modules))"
    )
    env = {**os.environ, "AWARDS_ENV": "development"}
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_allocator_accepts_the_settings_on_this_system():
    from awards.memory import tune_allocator

    assert tune_allocator() is True  # the machines this runs on use glibc
