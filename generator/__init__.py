"""newproj: asks what you are building, picks Flask or Django, renders a ready repository."""

__version__ = "0.1.0"
