"""Training progress: fetching step metrics, the non-finite check, throughput logs."""

import time

import jax
import numpy as np
from absl import logging

from lmjax.train import writer as writer_lib


class NonFiniteLossError(FloatingPointError):
  """The training loss became NaN or infinite."""


class Progress:
  """Accumulates fetched train metrics; logs throughput and ETA."""

  def __init__(self, setup, writer: writer_lib.MetricWriter, start_step: int):
    self.setup, self.writer = setup, writer  # setup: a loop.Setup.
    self.pending: list[tuple[int, dict]] = []  # Device metrics not yet fetched.
    self.window: dict[str, float] = {}  # Sums since the last log.
    self.epoch_sums: dict[str, float] = {}  # Sums since the last evaluation.
    self.tokens = 0.0
    self.train_seconds = 0.0
    self.compile_seconds = 0.0
    self.start_step = start_step
    self.last_time = time.time()
    self.last_step = start_step

  def add(self, step: int, metrics: dict) -> None:
    # Start the device-to-host copies now, so the fetch at log time does not stall.
    for value in jax.tree.leaves(metrics):
      value.copy_to_host_async()
    self.pending.append((step, metrics))

  def fetch(self) -> None:
    """Moves pending metrics to the host; raises at the first non-finite loss."""
    fetched = jax.device_get(self.pending)
    self.pending = []
    for step, metrics in fetched:
      if not np.isfinite(metrics["loss"]):
        raise NonFiniteLossError(
            f"The training loss became {metrics['loss']} at step {step}"
            f" (grad norm {metrics['grad_norm']}); stopping without saving a new"
            " checkpoint. Lower the learning rate or enable gradient clipping"
            " (config.optim.grad_clip_norm).")
      for name, value in metrics.items():
        self.window[name] = self.window.get(name, 0.0) + float(value)
        self.epoch_sums[name] = self.epoch_sums.get(name, 0.0) + float(value)

  def log(self, step: int) -> None:
    """Fetches, logs and writes the metrics of the steps since the last log."""
    self.fetch()
    seconds, num_steps = time.time() - self.last_time, step - self.last_step
    if num_steps <= 0:
      return
    self.train_seconds += seconds
    tokens_key = self.setup.task.tokens_key
    tokens = self.window.get(tokens_key, num_steps * self.setup.config.batch_size)
    self.tokens += tokens
    summary = self.setup.task.summarize(self.window)
    scalars = {f"train/{k}": v for k, v in summary.items()}
    scalars["train/loss"] = self.window["loss"] / num_steps
    scalars["train/grad_norm"] = self.window["grad_norm"] / num_steps
    scalars["train/learning_rate"] = float(self.setup.schedule(step - 1))
    scalars["train/steps_per_sec"] = num_steps / max(seconds, 1e-9)
    scalars["train/tokens_per_sec"] = tokens / max(seconds, 1e-9)
    eta = (self.setup.total_steps - step) / max(scalars["train/steps_per_sec"], 1e-9)
    logging.info("step %d/%d  %s  loss %.4g  %.2f steps/s  %.0f tokens/s  ETA %s", step,
                 self.setup.total_steps,
                 "  ".join(f"{k} {v:.4g}" for k, v in summary.items()), scalars["train/loss"],
                 scalars["train/steps_per_sec"], scalars["train/tokens_per_sec"],
                 writer_lib.format_duration(eta))
    self.writer.write(step, scalars)
    self.window = {}
    self.last_time, self.last_step = time.time(), step

  def restart_clock(self) -> None:
    """Excludes the time since the last log (evaluation, saving) from training time."""
    self.last_time = time.time()

  def take_epoch_sums(self) -> dict[str, float]:
    sums, self.epoch_sums = self.epoch_sums, {}
    return sums
