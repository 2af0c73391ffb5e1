"""Truncated-BPTT batching of a token stream, as in Zaremba et al. (2014).

The stream is cut into `batch_size` contiguous rows. Batch `i` of an epoch contains
columns `[i * num_steps, (i + 1) * num_steps)` of every row as inputs and the
same columns shifted by one as targets. So the recurrent state at the end of
one batch is the right state at the start of the next. Every batch carries a
`reset` flag per row: true on the first batch of an epoch, where the model must
start again from a zero state.

Batches are dicts of numpy arrays, each with the batch on its leading axis:
  inputs:  <int32>[batch, num_steps]
  targets: <int32>[batch, num_steps]
  weights: <float32>[batch, num_steps]  (0 marks padding, evaluation only)
  reset:   <bool>[batch]
"""

import math
from typing import Iterator

import numpy as np


class BPTTIterator:
  """Endless, resumable training batches; one epoch is one pass over the rows.

  Follows Zaremba's reader: the tail that does not fill a whole row is left out,
  and so are the last columns that do not fill a whole batch.

  In a multi-process run each process yields only its own block of rows of the
  same global layout, so the global batch does not depend on the process count.
  """

  def __init__(self, ids: np.ndarray, batch_size: int, num_steps: int, *,
               process_index: int = 0, process_count: int = 1, name: str = "train"):
    if batch_size % process_count:
      raise ValueError(f"Batch size {batch_size} is not divisible by the process"
                       f" count {process_count}.")
    row_len = len(ids) // batch_size
    self.steps_per_epoch = (row_len - 1) // num_steps
    if self.steps_per_epoch < 1:
      raise ValueError(
          f"Split {name!r} has {len(ids)} tokens, too few for one batch of"
          f" {batch_size} rows x {num_steps + 1} tokens; lower the batch size or num_steps.")
    rows = np.asarray(ids[:batch_size * row_len], np.int32).reshape(batch_size, row_len)
    local = batch_size // process_count
    self.rows = rows[process_index * local:(process_index + 1) * local]
    self.num_steps = num_steps
    self.epoch = 0
    self.index = 0

  @property
  def tokens_per_epoch(self) -> int:
    return self.rows.shape[0] * self.steps_per_epoch * self.num_steps

  def __iter__(self) -> "BPTTIterator":
    return self

  def __next__(self) -> dict[str, np.ndarray]:
    start = self.index * self.num_steps
    inputs = self.rows[:, start:start + self.num_steps]
    targets = self.rows[:, start + 1:start + self.num_steps + 1]
    batch = {
        "inputs": inputs,
        "targets": targets,
        "weights": np.ones(inputs.shape, np.float32),
        "reset": np.full((inputs.shape[0],), self.index == 0),
    }
    self.index += 1
    if self.index == self.steps_per_epoch:
      self.epoch += 1
      self.index = 0
    return batch

  def state(self) -> dict[str, int]:
    """Returns the position of the next batch, for checkpoints."""
    return {"epoch": self.epoch, "index": self.index}

  def restore(self, state: dict[str, int]) -> None:
    if not 0 <= state["index"] < self.steps_per_epoch:
      raise ValueError(f"Cannot restore the data position {state}: an epoch has"
                       f" {self.steps_per_epoch} batches with this config.")
    self.epoch = int(state["epoch"])
    self.index = int(state["index"])


def eval_batches(ids: np.ndarray, batch_size: int, num_steps: int, *,
                 process_index: int = 0, process_count: int = 1) -> Iterator[dict]:
  """Yields batches that predict every token of `ids` after the first exactly once.

  Unlike training, nothing is dropped: the stream is split into `batch_size`
  rows of equal length, and the last batch is padded with weight 0. The state
  is carried along each row, so every row but the first starts from a zero state
  (a batch size of 1 gives the fully sequential evaluation of the literature).
  """
  num_targets = len(ids) - 1
  row_len = max(math.ceil(num_targets / batch_size), 1)
  num_chunks = math.ceil(row_len / num_steps)
  padded_len = num_chunks * num_steps

  def lay_out(values: np.ndarray, dtype) -> np.ndarray:
    flat = np.zeros(batch_size * row_len, dtype)
    flat[:num_targets] = values
    grid = np.zeros((batch_size, padded_len), dtype)
    grid[:, :row_len] = flat.reshape(batch_size, row_len)
    local = batch_size // process_count
    return grid[process_index * local:(process_index + 1) * local]

  inputs = lay_out(ids[:-1], np.int32)
  targets = lay_out(ids[1:], np.int32)
  weights = lay_out(np.ones(num_targets, np.float32), np.float32)
  for chunk in range(num_chunks):
    columns = slice(chunk * num_steps, (chunk + 1) * num_steps)
    yield {
        "inputs": inputs[:, columns],
        "targets": targets[:, columns],
        "weights": weights[:, columns],
        "reset": np.full((inputs.shape[0],), chunk == 0),
    }
