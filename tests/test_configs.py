"""Every config file and variant builds a model whose parameters have the expected shapes."""

import glob
import importlib.util
import os

import jax
import pytest

from lmjax import tasks
from lmjax.train import loop
from lmjax.train import optim

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


def load_config_module(path: str):
  spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


CASES = [(os.path.basename(path), variant)
         for path in sorted(glob.glob(os.path.join(CONFIG_DIR, "*.py")))
         if not path.endswith("__init__.py")
         for variant in load_config_module(path).VARIANTS]


@pytest.mark.parametrize("filename,variant", CASES)
def test_config_builds_model(filename, variant):
  config = load_config_module(os.path.join(CONFIG_DIR, filename)).get_config(variant)
  assert config.name == f"{filename[:-3]}:{variant}"
  task = tasks.get(config.task)
  meta = {"vocab_size": 1000, "steps_per_epoch": 10, "join": " ", "level": config.data.level}
  model = task.make_model(config, meta)
  tx, _ = optim.make_optimizer(config.optim, 10, 100)
  state = jax.eval_shape(lambda: loop.init_state(task, config, model, meta, tx))
  assert state.params["embedding"].shape[0] == 1000
  assert state.carry[0][0].shape == (config.batch_size, config.model.hidden_size)


def test_unknown_variant_lists_known_ones():
  module = load_config_module(os.path.join(CONFIG_DIR, "ptb_lstm.py"))
  with pytest.raises(ValueError, match=r"Unknown variant 'tiny'.*'large', 'medium'"):
    module.get_config("tiny")
