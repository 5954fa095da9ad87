"""lorapan: build LoRA datasets and train on them from the terminal."""

__version__ = "0.1.0"
