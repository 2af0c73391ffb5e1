import os

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

from lmjax import tasks
from lmjax.tasks import language_model
from lmjax.train import loop
from lmjax.train import progress
from tests.conftest import data_file
from tests.test_configs import CONFIG_DIR, load_config_module
from tests.train.helpers import read_metrics, tiny_config

TASK = language_model.TASK


def test_smoke_run_loss_falls_and_writes_results(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  results = loop.train_and_evaluate(TASK, tiny_config(ptb_dir), workdir)

  train_ppl = [m["train/perplexity"] for m in read_metrics(workdir) if "train/perplexity" in m]
  assert train_ppl[-1] < 0.5 * train_ppl[0]
  assert set(results["metrics"]) == {"valid", "test"}
  assert results["metrics"]["test"]["perplexity"] < 2000  # Uniform guessing gives 10,000.
  assert results["train"]["tokens_per_sec"] > 0
  assert results["config_name"] == "ptb_lstm:smoke"
  assert results["versions"]["jax"] == jax.__version__
  for name in ("results.json", "metrics.jsonl", "vocab.json", "data_meta.json"):
    assert os.path.isfile(os.path.join(workdir, name))
  assert os.listdir(os.path.join(workdir, "tensorboard"))


def test_resumed_run_equals_uninterrupted_run(ptb_dir, tmp_path):
  config = tiny_config(ptb_dir, num_epochs=1, checkpoint_every_steps=25,
                       **{"model.dropout_rate": 0.3})
  straight = loop.train_and_evaluate(TASK, config, str(tmp_path / "straight"))

  resumed_dir = str(tmp_path / "resumed")
  assert loop.train_and_evaluate(TASK, config, resumed_dir, stop_at_step=30) is None
  resumed = loop.train_and_evaluate(TASK, config, resumed_dir)

  assert resumed["train"]["steps_this_run"] == straight["train"]["steps"] - 30
  assert resumed["metrics"] == straight["metrics"]
  final_step = straight["train"]["steps"]
  a = ocp.StandardCheckpointer().restore(os.path.join(tmp_path, "straight", "checkpoints",
                                                      str(final_step), "state"))
  b = ocp.StandardCheckpointer().restore(os.path.join(resumed_dir, "checkpoints",
                                                      str(final_step), "state"))
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
    np.testing.assert_array_equal(x, y)


def test_checkpoint_of_other_model_is_rejected(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  loop.train_and_evaluate(TASK, tiny_config(ptb_dir, num_train_steps=5), workdir)
  with pytest.raises(ValueError, match=r"model\.hidden_size: checkpoint has 16, config has 24"):
    loop.train_and_evaluate(TASK, tiny_config(ptb_dir, num_train_steps=10,
                                              **{"model.hidden_size": 24}), workdir)


def test_non_finite_loss_stops_without_saving(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  config = tiny_config(ptb_dir, checkpoint_every_steps=1, **{
      "optim.learning_rate": 1e38, "optim.grad_clip_norm": 0.0, "optim.schedule": "constant"})
  with pytest.raises(progress.NonFiniteLossError, match=r"at step (\d+)") as e:
    loop.train_and_evaluate(TASK, config, workdir)
  bad_step = int(e.value.args[0].split("at step ")[1].split()[0])
  saved = ocp.CheckpointManager(os.path.join(workdir, "checkpoints")).all_steps()
  assert max(saved, default=0) < bad_step


def test_batch_not_divisible_by_devices_is_rejected(ptb_dir, tmp_path, monkeypatch):
  monkeypatch.setattr(loop.mesh_lib, "make_mesh",
                      lambda: type("FakeMesh", (), {"size": 3})())
  with pytest.raises(ValueError, match="batch_size=8 is not divisible by the 3 devices"):
    loop.build(TASK, tiny_config(ptb_dir), None)


def test_eval_mode_reproduces_final_metrics(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  config = tiny_config(ptb_dir, num_train_steps=20)
  trained = loop.train_and_evaluate(TASK, config, workdir)
  evaluated = loop.evaluate_checkpoint(TASK, config, workdir)
  assert evaluated["step"] == 20
  for split in ("valid", "test"):
    assert evaluated["metrics"][split]["perplexity"] == pytest.approx(
        trained["metrics"][split]["perplexity"], rel=1e-6)


def test_unknown_task_lists_registered_tasks():
  with pytest.raises(KeyError, match="language_model"):
    tasks.get("translation_typo")


def test_partial_checkpoint_is_ignored_on_resume(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  config = tiny_config(ptb_dir, num_train_steps=20, checkpoint_every_steps=10)
  loop.train_and_evaluate(TASK, config, workdir, stop_at_step=10)
  # What a save interrupted by a crash leaves: orbax's temporary directory.
  partial = os.path.join(workdir, "checkpoints", "15.orbax-checkpoint-tmp-1234")
  os.makedirs(os.path.join(partial, "state"))
  results = loop.train_and_evaluate(TASK, config, workdir)
  assert results["train"]["steps_this_run"] == 10


@pytest.mark.parametrize("config_file,data", [("shakespeare_char", "tinyshakespeare/input.txt"),
                                              ("peoples_daily_lstm", None)])
def test_other_corpora_smoke(config_file, data, tmp_path):
  if data:
    data_file(data)
  config = load_config_module(os.path.join(CONFIG_DIR, f"{config_file}.py")).get_config("smoke")
  workdir = str(tmp_path / "run")
  results = loop.train_and_evaluate(TASK, config, workdir)
  vocab_size = language_model.load_meta(config, workdir)["vocab_size"]
  # Below the perplexity of a uniform guess over the vocabulary.
  assert 1 < results["metrics"]["valid"]["perplexity"] < vocab_size


def test_rerun_of_finished_run_keeps_training_record(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  config = tiny_config(ptb_dir, num_train_steps=10)
  first = loop.train_and_evaluate(TASK, config, workdir)
  again = loop.train_and_evaluate(TASK, config, workdir)
  assert again["train"]["steps_this_run"] == 0
  assert again["train"]["tokens_per_sec"] == first["train"]["tokens_per_sec"]
  assert again["metrics"] == first["metrics"]


def test_other_vocabulary_is_rejected_without_overwriting(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  loop.train_and_evaluate(TASK, tiny_config(ptb_dir, num_train_steps=5), workdir)
  vocab_path = os.path.join(workdir, language_model.VOCAB_FILE)
  with open(vocab_path, "rb") as f:
    saved = f.read()
  with pytest.raises(ValueError, match=r"vocab\.json differs .*sizes 10000 and 5000"):
    loop.train_and_evaluate(TASK, tiny_config(ptb_dir, num_train_steps=5,
                                              **{"data.max_vocab_size": 5000}), workdir)
  with open(vocab_path, "rb") as f:
    assert f.read() == saved


def test_zero_batch_size_is_rejected(ptb_dir):
  with pytest.raises(ValueError, match="batch_size must be a positive multiple"):
    loop.build(TASK, tiny_config(ptb_dir, batch_size=0), None)
