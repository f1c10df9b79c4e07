"""The model behind /api/predict: a linear classifier stored as JSON weights.

Plain Python, no web framework: the API validates the input, then calls
LinearModel.predict. To serve your own model, change load and predict here, and
the API's input fields to your model's inputs.
"""

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The example model shipped with the project; MODEL_PATH points elsewhere.
EXAMPLE_MODEL = Path(__file__).parent / "model.json"
# Measurements in centimetres: anything outside this range is not a flower.
MIN_MEASUREMENT = 0
MAX_MEASUREMENT = 1000
# The most inputs one batch request may send.
MAX_BATCH = 100


class ModelError(Exception):
    """The model file cannot be read, or it does not take the API's inputs."""


@dataclass(frozen=True)
class LinearModel:
    name: str
    features: list[str]
    classes: list[str]
    weights: list[list[float]]
    bias: list[float]

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        data = json.loads(path.read_text(encoding="utf-8"))
        model = cls(
            name=data["name"],
            features=list(data["features"]),
            classes=list(data["classes"]),
            weights=[[float(w) for w in row] for row in data["weights"]],
            bias=[float(b) for b in data["bias"]],
        )
        if len(model.weights) != len(model.classes) or any(
            len(row) != len(model.features) for row in model.weights
        ):
            raise ValueError("weights need one row per class, one column per feature")
        return model

    def predict(self, features: Mapping[str, float]) -> dict[str, Any]:
        """The most likely class, and every class's probability (softmax)."""
        values = [features[name] for name in self.features]
        scores = [
            sum(w * x for w, x in zip(row, values, strict=True)) + b
            for row, b in zip(self.weights, self.bias, strict=True)
        ]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        probabilities = {c: e / total for c, e in zip(self.classes, exps, strict=True)}
        label = max(probabilities, key=probabilities.__getitem__)
        return {"label": label, "probabilities": probabilities, "model": self.name}


def load_model(path: Path, inputs: Iterable[str]) -> LinearModel:
    """The model at path, checked to take exactly the API's inputs."""
    try:
        model = LinearModel.load(path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelError(f"Cannot load the model from {path} ({error}).") from None
    if set(model.features) != set(inputs):
        raise ModelError(
            f"The model at {path} takes {sorted(model.features)}, the API"
            f" {sorted(inputs)}: change the API's input fields to match."
        )
    return model
