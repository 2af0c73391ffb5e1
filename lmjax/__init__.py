"""lmjax: classic neural NLP models in JAX/Flax."""

__version__ = "0.1.0"
