"""Character-level LSTM language model on tiny-shakespeare (Karpathy's char-rnn text).

The 1.1M characters are split contiguously into 90% train and 10% valid, the
customary split; there is no test split.

  python -m lmjax.main --config=configs/shakespeare_char.py:default --workdir=runs/shakespeare

Variants: default (2 x 512, dropout 0.2, Adam), smoke (seconds).
"""

import ml_collections

from lmjax import config_lib
from lmjax.tasks import language_model


def get_config(variant: str = "default") -> ml_collections.ConfigDict:
  config = language_model.default_config()
  config.data.name = "tinyshakespeare"
  config.data.level = "char"
  config.data.valid_fraction = 0.1
  config.data.test_fraction = 0.0
  config.batch_size = 32
  config.num_steps = 100
  config.eval_batch_size = 32
  config.num_epochs = 20
  config.model.hidden_size = 512
  config.model.dropout_rate = 0.2
  config.model.init_scale = 0.0
  config.optim.optimizer = "adam"
  config.optim.learning_rate = 2e-3
  config.optim.schedule = "constant"
  config.optim.grad_clip_norm = 5.0
  config.generate.prompt = "ROMEO:"
  config.generate.num_tokens = 300
  config.generate.temperature = 0.8

  return config_lib.apply_variant(config, VARIANTS, "shakespeare_char", variant)


def _smoke(config):
  config.batch_size = 8
  config.eval_batch_size = 8
  config.num_steps = 20
  config.num_epochs = 1
  config.log_every_steps = 50
  config.data.max_tokens = 20_000
  config.model.hidden_size = 32
  config.model.unroll = 1


VARIANTS = {"default": lambda config: None, "smoke": _smoke}
