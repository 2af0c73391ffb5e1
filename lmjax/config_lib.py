"""Helpers shared by the experiment config files in configs/."""

from typing import Callable

import ml_collections


def apply_variant(config: ml_collections.ConfigDict,
                  variants: dict[str, Callable[[ml_collections.ConfigDict], None]],
                  family: str, variant: str) -> ml_collections.ConfigDict:
  """Applies `variants[variant]` to `config` and names it 'family:variant'.

  Raises:
    ValueError: for an unknown variant, listing the known ones.
  """
  if variant not in variants:
    raise ValueError(f"Unknown variant {variant!r} of {family}; known: {sorted(variants)}")
  variants[variant](config)
  config.name = f"{family}:{variant}"
  return config
