"""Checkpoints: the train state, the data position and a model fingerprint.

Orbax writes each checkpoint into a temporary directory and renames it when
complete, so an interrupted save never becomes the latest checkpoint. Resume
order: (1) read the fingerprint and reject a model that does not match,
(2) restore the state into an abstract template carrying the live shardings,
(3) move the data iterator to the saved position.
"""

import os
from typing import Any

import jax
import ml_collections
import orbax.checkpoint as ocp
from absl import logging


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
  """Flattens nested dicts into {'a.b': value}."""
  flat = {}
  for key, value in tree.items():
    name = f"{prefix}{key}"
    if isinstance(value, dict):
      flat.update(flatten(value, name + "."))
    else:
      flat[name] = list(value) if isinstance(value, tuple) else value
  return flat


# Fields of config.model that choose how the same function is computed; a run
# may resume with other values (e.g. switch to bfloat16 matmuls).
COMPUTE_ONLY_FIELDS = ("dtype", "unroll", "implementation")


def fingerprint(task_name: str, config: ml_collections.ConfigDict, meta: dict) -> dict:
  """Returns the settings a checkpoint must agree with: task, config.model, data sizes."""
  model = {k: v for k, v in config.model.to_dict().items() if k not in COMPUTE_ONLY_FIELDS}
  sizes = {k: v for k, v in meta.items() if k.endswith("_size")}
  # The key shape of the saved rng depends on the PRNG implementation.
  return {"task": task_name, "rng_impl": config.get("rng_impl", "threefry2x32"),
          **flatten({"model": model}), **flatten({"meta": sizes})}


class Checkpointer:
  """Periodic and final saves under `workdir/checkpoints`, with exact resume."""

  def __init__(self, workdir: str, *, max_to_keep: int = 2, async_save: bool = True):
    self.directory = os.path.abspath(os.path.join(workdir, "checkpoints"))
    options = ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True,
                                           enable_async_checkpointing=async_save)
    self.manager = ocp.CheckpointManager(self.directory, options=options,
                                         item_names=("state", "data", "fingerprint"))

  def latest_step(self) -> int | None:
    return self.manager.latest_step()

  def save(self, step: int, state: Any, data_state: dict, model_fingerprint: dict) -> None:
    self.manager.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(state),
        data=ocp.args.JsonSave(data_state),
        fingerprint=ocp.args.JsonSave(model_fingerprint)))
    logging.info("Saving checkpoint %d to %s", step, self.directory)

  def check_fingerprint(self, step: int, expected: dict) -> None:
    """Raises ValueError naming every setting where the checkpoint and config differ."""
    saved = self.manager.restore(step, args=ocp.args.Composite(
        fingerprint=ocp.args.JsonRestore()))["fingerprint"]
    saved = {k: v for k, v in saved.items()
             if k not in {f"model.{field}" for field in COMPUTE_ONLY_FIELDS}}
    keys = sorted(set(saved) | set(expected))
    differing = [f"{key}: checkpoint has {saved.get(key)!r}, config has {expected.get(key)!r}"
                 for key in keys if saved.get(key) != expected.get(key)]
    if differing:
      raise ValueError(
          f"The checkpoint {self.directory}/{step} does not match the config:\n  "
          + "\n  ".join(differing)
          + "\nUse a new --workdir, or the config the checkpoint was trained with.")

  def restore(self, step: int, template: Any, shardings: Any) -> tuple[Any, dict]:
    """Restores the state with `shardings` and returns it with the data position."""
    abstract = jax.tree.map(
        lambda x, s: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=s), template, shardings)
    restored = self.manager.restore(step, args=ocp.args.Composite(
        state=ocp.args.StandardRestore(abstract), data=ocp.args.JsonRestore()))
    return restored["state"], restored["data"]

  def wait(self) -> None:
    self.manager.wait_until_finished()

  def close(self) -> None:
    self.manager.close()
