"""Tiny language-model configs on a slice of PTB for train-loop tests."""

import json
import os

from configs import ptb_lstm


def tiny_config(data_dir: str, **overrides):
  """A 2 x 16 LSTM on the first 6k tokens of each PTB split: 70 steps per epoch."""
  config = ptb_lstm.get_config("smoke")
  config.data.dir = data_dir
  config.data.max_tokens = 6_000
  config.model.hidden_size = 16
  config.log_every_steps = 10
  for key, value in overrides.items():
    target = config
    *path, name = key.split(".")
    for part in path:
      target = target[part]
    target[name] = value
  return config


def read_metrics(workdir: str) -> list[dict]:
  with open(os.path.join(workdir, "metrics.jsonl"), encoding="utf-8") as f:
    return [json.loads(line) for line in f]
