import ml_collections
import numpy as np
import pytest

from lmjax.train import optim


def optim_config(**overrides) -> ml_collections.ConfigDict:
  config = optim.default_config()
  config.update(overrides)
  return config


def test_epoch_decay_follows_zaremba_schedule():
  steps_per_epoch = 10
  schedule = optim.make_schedule(
      optim_config(schedule="epoch_decay", decay_rate=0.5, decay_after_epochs=4),
      steps_per_epoch, 130)
  for epoch in range(13):
    expected = 1.0 * 0.5 ** max(epoch + 1 - 4, 0)
    for step in (epoch * steps_per_epoch, epoch * steps_per_epoch + 9):
      assert float(schedule(step)) == pytest.approx(expected), (epoch, step)


def test_warmup_cosine_peaks_after_warmup():
  schedule = optim.make_schedule(
      optim_config(schedule="warmup_cosine", learning_rate=1e-3, warmup_steps=10), 1, 100)
  assert float(schedule(0)) == 0.0
  assert float(schedule(10)) == pytest.approx(1e-3)
  assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


def test_gradient_clipping_bounds_the_update():
  tx, _ = optim.make_optimizer(optim_config(grad_clip_norm=5.0, learning_rate=1.0), 1, 1)
  params = {"w": np.zeros(4, np.float32)}
  updates, _ = tx.update({"w": np.full(4, 100.0, np.float32)}, tx.init(params), params)
  assert np.linalg.norm(updates["w"]) == pytest.approx(5.0, rel=1e-5)


@pytest.mark.parametrize("field,value", [("optimizer", "rmsprop"), ("schedule", "linear")])
def test_unknown_names_list_known_ones(field, value):
  with pytest.raises(ValueError, match="known"):
    optim.make_optimizer(optim_config(**{field: value}), 1, 1)
