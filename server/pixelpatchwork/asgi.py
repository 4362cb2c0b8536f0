"""The ASGI entry point that hypercorn and the Procfile name: `pixelpatchwork.asgi:app`."""

from .app import create_app

app = create_app()
