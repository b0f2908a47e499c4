"""benchbench: benchmark and evaluate generative models."""

__version__ = "0.1.0"
