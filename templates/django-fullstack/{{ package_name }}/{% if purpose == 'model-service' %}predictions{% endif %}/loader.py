"""The model, loaded once per worker process, on its first prediction.

MODEL_PATH in the settings names the file; changing that setting (as tests do
with pytest-django's `settings` fixture) drops the loaded model.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .classifier import LinearModel, load_model
from .serializers import FeaturesSerializer


@cache
def get_model() -> LinearModel:
    """The model at MODEL_PATH; raises ModelError when it cannot be served."""
    return load_model(Path(settings.MODEL_PATH), FeaturesSerializer().fields)


@receiver(setting_changed)
def forget_the_model(*, setting: str, **kwargs: object) -> None:
    if setting == "MODEL_PATH":
        get_model.cache_clear()
