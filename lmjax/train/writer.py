"""Metric output: absl logs, TensorBoard event files and `metrics.jsonl`.

Only process 0 writes; other processes accept the calls and do nothing, so the
loop needs no process checks. TensorBoard files come from tensorboardX, which
needs no TensorFlow.
"""

import json
import os
import time
from typing import Any

import jax
from absl import logging

try:
  import tensorboardX
except ImportError:  # The JSON-lines file and logs still work without it.
  tensorboardX = None


class MetricWriter:
  """Writes scalars under names such as 'train/loss' or 'valid/perplexity'."""

  def __init__(self, workdir: str):
    self.enabled = jax.process_index() == 0
    self._jsonl = None
    self._tensorboard = None
    if not self.enabled:
      return
    os.makedirs(workdir, exist_ok=True)
    self._jsonl = open(os.path.join(workdir, "metrics.jsonl"), "a", encoding="utf-8")
    if tensorboardX is not None:
      self._tensorboard = tensorboardX.SummaryWriter(os.path.join(workdir, "tensorboard"))
    else:
      logging.warning("tensorboardX is not installed; writing no TensorBoard files.")

  def write(self, step: int, scalars: dict[str, Any]) -> None:
    if not self.enabled:
      return
    scalars = {k: float(v) for k, v in scalars.items()}
    self._jsonl.write(json.dumps({"step": int(step), "time": time.time(), **scalars}) + "\n")
    self._jsonl.flush()
    if self._tensorboard is not None:
      for name, value in scalars.items():
        self._tensorboard.add_scalar(name, value, int(step))

  def flush(self) -> None:
    if self._tensorboard is not None:
      self._tensorboard.flush()

  def close(self) -> None:
    if self._jsonl is not None:
      self._jsonl.close()
    if self._tensorboard is not None:
      self._tensorboard.close()


def format_duration(seconds: float) -> str:
  seconds = int(max(seconds, 0))
  hours, rest = divmod(seconds, 3600)
  minutes, seconds = divmod(rest, 60)
  return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
