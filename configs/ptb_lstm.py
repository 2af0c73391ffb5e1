"""Zaremba et al. (2014) LSTM language models on the Penn Treebank.

  python -m lmjax.main --config=configs/ptb_lstm.py:small --workdir=runs/ptb_small

Variants: small (test perplexity 114.5 in the paper), medium (82.7), large (78.4),
and smoke (a tiny model on a slice of PTB, seconds on a CPU).
"""

import ml_collections

from lmjax import config_lib
from lmjax.tasks import language_model


def get_config(variant: str = "small") -> ml_collections.ConfigDict:
  config = language_model.default_config()
  config.data.name = "ptb"

  return config_lib.apply_variant(config, VARIANTS, "ptb_lstm", variant)


def _small(config):
  """2 x 200 units, unroll 20, no dropout, lr 1 halved per epoch after epoch 4, 13 epochs."""
  del config  # The defaults are the small model.


def _medium(config):
  """2 x 650 units, unroll 35, dropout 0.5, lr decay 0.8 after epoch 6, 39 epochs."""
  config.num_steps = 35
  config.num_epochs = 39
  config.model.hidden_size = 650
  config.model.dropout_rate = 0.5
  config.model.init_scale = 0.05
  config.optim.decay_rate = 0.8
  config.optim.decay_after_epochs = 6


def _large(config):
  """2 x 1500 units, unroll 35, dropout 0.65, lr decay 1/1.15 after epoch 14, 55 epochs."""
  config.num_steps = 35
  config.num_epochs = 55
  config.model.hidden_size = 1500
  config.model.dropout_rate = 0.65
  config.model.init_scale = 0.04
  config.optim.decay_rate = 1 / 1.15
  config.optim.decay_after_epochs = 14
  config.optim.grad_clip_norm = 10.0


def _smoke(config):
  """Shrinks the run to a 2 x 32 model on the first 16k tokens of each split."""
  config.batch_size = 8
  config.eval_batch_size = 8
  config.num_steps = 10
  config.num_epochs = 2
  config.log_every_steps = 20
  config.data.max_tokens = 16_000
  config.model.hidden_size = 32
  config.model.unroll = 1
  config.optim.decay_after_epochs = 1


VARIANTS = {"small": _small, "medium": _medium, "large": _large, "smoke": _smoke}
