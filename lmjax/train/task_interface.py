"""The task interface: what a task hands to the shared train loop.

A task supplies data, a model, a pure loss and a way to turn summed metrics into
reported numbers; `lmjax.train.loop` does everything else. A new task family is
one module that builds a `Task`, one config file and one registry entry.
"""

import dataclasses
from typing import Any, Callable, Iterable, Protocol

import flax.linen as nn
import jax
import ml_collections

Batch = dict[str, Any]
# (params, batch, carry, rng, model, train) -> (loss, (metric_sums, new_carry)).
# Pure and jittable. `metric_sums` are sums over the batch (e.g. summed NLL and a
# token count) so that splits and devices combine exactly; `carry` is None for
# stateless tasks.
LossFn = Callable[..., tuple[jax.Array, tuple[dict[str, jax.Array], Any]]]


class TrainIterator(Protocol):
  """An endless iterator of numpy batches whose position can be saved and restored."""

  def __next__(self) -> Batch: ...
  def state(self) -> dict: ...
  def restore(self, state: dict) -> None: ...


@dataclasses.dataclass(frozen=True)
class Data:
  """A task's data.

  Attributes:
    train: the training batches.
    eval_splits: per split name, a function returning a fresh pass over its batches.
    meta: facts the model and loop need (vocabulary size, steps per epoch, ...).
  """
  train: TrainIterator
  eval_splits: dict[str, Callable[[], Iterable[Batch]]]
  meta: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Task:
  """The functions that make a task.

  Attributes:
    name: registry name, also stored in results.
    make_data: (config, workdir or None) -> Data. It may write files the
      inference modes need (a vocabulary) into the workdir.
    make_model: (config, meta) -> a Flax module.
    loss: see `LossFn`.
    init_carry: (model, batch_size) -> the carry at the start of a sequence,
      or None for stateless tasks.
    summarize: summed metrics of a split -> reported metrics (e.g. perplexity).
    example_batch: (config, meta, batch_size) -> a numpy batch with the shapes
      and dtypes of real batches, to initialize parameters.
    load_meta: (config, workdir) -> meta, for inference modes without the data.
    modes: inference modes by name: (config, workdir) -> None.
    tokens_key: the metric-sum key that counts the tokens a step trained on, for
      throughput logs; None counts examples.
  """
  name: str
  make_data: Callable[[ml_collections.ConfigDict, str | None], Data]
  make_model: Callable[[ml_collections.ConfigDict, dict], nn.Module]
  loss: LossFn
  init_carry: Callable[[nn.Module, int], Any]
  summarize: Callable[[dict[str, float]], dict[str, float]]
  example_batch: Callable[[ml_collections.ConfigDict, dict, int], Batch]
  load_meta: Callable[[ml_collections.ConfigDict, str], dict]
  modes: dict[str, Callable[[ml_collections.ConfigDict, str], None]] = dataclasses.field(
      default_factory=dict)
  tokens_key: str | None = None
