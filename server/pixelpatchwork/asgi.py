"""The ASGI entry point that hypercorn and the Procfile name: `pixelpatchwork.asgi:app`."""

from .app import create_app
from .runtime import tune_gc

app = create_app()
tune_gc()
