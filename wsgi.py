"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from awards import create_app
from awards.memory import tune_allocator

tune_allocator()  # large temporary buffers go back to the system (see awards/memory.py)
app = create_app()
