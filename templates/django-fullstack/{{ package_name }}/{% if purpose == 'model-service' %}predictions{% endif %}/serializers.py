"""What /api/predict accepts and answers, checked before the model sees it."""

import math

from rest_framework import serializers

from .classifier import MAX_BATCH, MAX_MEASUREMENT, MIN_MEASUREMENT


class MeasurementField(serializers.FloatField):
    """A length in cm: a JSON number (not text, not true or false), 0 to 1000."""

    default_error_messages = {"number": "Send a number, such as 5.1."}

    def __init__(self, **kwargs):
        kwargs.update(min_value=MIN_MEASUREMENT, max_value=MAX_MEASUREMENT)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("number")
        try:
            value = float(data)
        except OverflowError:  # an integer too long for a float
            self.fail("max_value", max_value=self.max_value)
        if not math.isfinite(value):
            self.fail("number")
        return value


class FeaturesSerializer(serializers.Serializer):
    """One flower's measurements, in cm."""

    sepal_length = MeasurementField()
    sepal_width = MeasurementField()
    petal_length = MeasurementField()
    petal_width = MeasurementField()


class BatchSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=FeaturesSerializer(), min_length=1, max_length=MAX_BATCH
    )


class PredictionSerializer(serializers.Serializer):
    """One prediction: the most likely class, and every class's probability."""

    def get_fields(self):
        # Declared here: a class attribute named label would hide Field.label.
        return {
            "label": serializers.CharField(help_text="The most likely class."),
            "probabilities": serializers.DictField(
                child=serializers.FloatField(), help_text="Every class's probability."
            ),
            "model": serializers.CharField(help_text="The model that answered."),
        }


class BatchPredictionSerializer(serializers.Serializer):
    predictions = PredictionSerializer(many=True, help_text="In the order sent.")
