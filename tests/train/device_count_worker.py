"""Trains the tiny PTB config for a few steps and prints per-step losses as JSON.

Run in a subprocess with XLA_FLAGS=--xla_force_host_platform_device_count=N,
which must be set before jax is imported.
"""

import json
import sys
import tempfile

import jax

from lmjax.tasks import language_model
from lmjax.train import loop
from tests.train.helpers import read_metrics, tiny_config


def main(data_dir: str) -> None:
  config = tiny_config(data_dir, num_train_steps=12, log_every_steps=1, eval_every_steps=6,
                       **{"model.dropout_rate": 0.3})
  with tempfile.TemporaryDirectory() as workdir:
    results = loop.train_and_evaluate(language_model.TASK, config, workdir)
    losses = [m["train/loss"] for m in read_metrics(workdir) if "train/loss" in m]
  print(json.dumps({"devices": jax.device_count(), "losses": losses,
                    "metrics": results["metrics"]}))


if __name__ == "__main__":
  main(sys.argv[1])
