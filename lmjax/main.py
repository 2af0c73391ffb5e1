"""Entry point: train, evaluate or run an inference mode of any registered task.

  python -m lmjax.main --config=configs/ptb_lstm.py:small --workdir=runs/ptb_small
  python -m lmjax.main --config=configs/ptb_lstm.py:small --workdir=runs/ptb_small
      --mode=generate --config.generate.prompt="the company said"

Any config field can be overridden with --config.<field>=<value>.
"""

import logging as std_logging
import os
import sys

from absl import app
from absl import flags
from absl import logging
import jax
from ml_collections import config_flags

from lmjax import tasks
from lmjax.train import loop

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file, optionally with a variant: file.py:variant.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for checkpoints, metrics and results.")
_MODE = flags.DEFINE_string(
    "mode", "train", "train (train, then evaluate every split), eval (evaluate the latest"
    " checkpoint), or an inference mode of the task (e.g. generate).")
flags.mark_flags_as_required(["config", "workdir"])


class _QuietLibraries(std_logging.Filter):
  """Drops INFO records from orbax, whose per-save chatter would bury the training log."""

  def filter(self, record: std_logging.LogRecord) -> bool:
    return record.levelno >= std_logging.WARNING or "/orbax/" not in record.pathname


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  logging.get_absl_handler().addFilter(_QuietLibraries())
  config = _CONFIG.value
  workdir = _WORKDIR.value
  task = tasks.get(config.task)
  jax.config.update("jax_default_prng_impl", config.get("rng_impl", "threefry2x32"))

  logging.info("lmjax %s: task %s, config %s, mode %s, workdir %s", _MODE.value, task.name,
               config.get("name", ""), _MODE.value, os.path.abspath(workdir))
  logging.info("JAX %s on %d %s devices (%d processes).", jax.__version__, jax.device_count(),
               jax.devices()[0].platform, jax.process_count())

  if _MODE.value == "train":
    loop.train_and_evaluate(task, config, workdir)
  elif _MODE.value == "eval":
    loop.evaluate_checkpoint(task, config, workdir)
  elif _MODE.value in task.modes:
    task.modes[_MODE.value](config, workdir)
  else:
    raise app.UsageError(f"Unknown --mode={_MODE.value} for task {task.name}; known modes:"
                         f" {['train', 'eval', *sorted(task.modes)]}")


def parse_flags(argv: list[str]) -> list[str]:
  """Parses flags; a misspelled --config.<field> exits with one line instead of a traceback."""
  try:
    return app.parse_flags_with_usage(argv)
  except (AttributeError, KeyError) as e:
    overrides = [a for a in argv[1:] if a.startswith("--config.")]
    detail = str(e.args[0] if e.args else e).strip("'").replace("\\n", " ").replace("\\'", "'")
    sys.stderr.write(f"FATAL Flags parsing error: invalid config override among {overrides}:"
                     f" {detail}\n")
    sys.exit(1)


if __name__ == "__main__":
  app.run(main, flags_parser=parse_flags)
