"""PixelPatchwork: a live, collaborative AI-image room."""

__version__ = "0.1.0"
