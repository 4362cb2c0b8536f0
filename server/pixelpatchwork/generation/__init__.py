"""Image generation: providers behind one interface, and the durable job queue that runs them."""

from __future__ import annotations

from ..settings import Settings
from .base import EditRequest, EditResult, GenerationError, Provider, SketchRequest


def make_provider(settings: Settings) -> Provider:
    """The configured provider: OpenAI when chosen (or a key is set in auto mode), else offline."""
    if settings.provider_name == "openai":
        from .openai import OpenAIProvider

        return OpenAIProvider(settings)
    from .offline import OfflineProvider

    return OfflineProvider()


__all__ = ["EditRequest", "EditResult", "GenerationError", "Provider", "SketchRequest", "make_provider"]
