"""`manage.py check` (and runserver, migrate) fail when the model cannot be served."""

from django.core.checks import Error, register

from .classifier import ModelError
from .loader import get_model


@register()
def model_loads(app_configs, **kwargs):
    try:
        get_model()
    except ModelError as error:
        hint = "Point MODEL_PATH at a model file, or unset it to serve the example."
        return [Error(str(error), hint=hint, id="predictions.E001")]
    return []
