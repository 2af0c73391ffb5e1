"""The shared train loop: every task trains and evaluates through `train_and_evaluate`.

Loop config fields (beside `config.model`, `config.data` and `config.optim`):
  seed: seeds parameter init and dropout.
  batch_size, eval_batch_size: global batch sizes (divisible by the device count).
  num_epochs: training length in epochs of `meta['steps_per_epoch']` steps.
  num_train_steps: if > 0, the training length in steps instead.
  log_every_steps: how often to log and write train metrics.
  eval_every_steps: how often to evaluate `eval_during_training`; 0 means once per epoch.
  checkpoint_every_steps: how often to save; 0 means once per epoch.
  max_checkpoints_to_keep: older checkpoints are deleted.
  eval_during_training: splits evaluated periodically (e.g. ['valid']).
"""

import dataclasses
import json
import os
import time
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging
from jax.sharding import Mesh

import lmjax
from lmjax.train import task_interface as base
from lmjax.train import checkpoint as checkpoint_lib
from lmjax.train import mesh as mesh_lib
from lmjax.train import optim
from lmjax.train import progress as progress_lib
from lmjax.train import steps
from lmjax.train import writer as writer_lib
from lmjax.train.state import TrainState


@dataclasses.dataclass
class Setup:
  """The parts of a run, built before any training step."""
  task: base.Task
  config: ml_collections.ConfigDict
  data: base.Data
  model: nn.Module
  mesh: Mesh
  tx: optax.GradientTransformation
  schedule: optax.Schedule
  total_steps: int
  state_shardings: Any
  fingerprint: dict
  jitted_eval_step: Callable | None = None  # Built once by `make_eval_step`.


def total_train_steps(config: ml_collections.ConfigDict, meta: dict) -> int:
  if config.num_train_steps > 0:
    return config.num_train_steps
  return config.num_epochs * meta["steps_per_epoch"]


def init_state(task: base.Task, config: ml_collections.ConfigDict, model: nn.Module,
               meta: dict, tx: optax.GradientTransformation) -> TrainState:
  """Builds the initial state from `config.seed` (traced under jit by the caller)."""
  init_rng, init_dropout_rng, dropout_rng = jax.random.split(jax.random.PRNGKey(config.seed), 3)
  example = task.example_batch(config, meta, config.batch_size)
  carry = task.init_carry(model, config.batch_size)
  variables = model.init({"params": init_rng, "dropout": init_dropout_rng},
                         jax.tree.map(jnp.asarray, example)["inputs"], carry, train=False)
  params = variables["params"]
  return TrainState(step=jnp.zeros((), jnp.int32), params=params,
                    opt_state=tx.init(params), rng=dropout_rng, carry=carry)


def build(task: base.Task, config: ml_collections.ConfigDict, workdir: str | None) -> Setup:
  """Builds data, model, mesh and optimizer for a run."""
  mesh = mesh_lib.make_mesh()
  mesh_lib.check_batch_size(config.batch_size, mesh)
  mesh_lib.check_batch_size(config.eval_batch_size, mesh, "eval_batch_size")
  data = task.make_data(config, workdir)
  model = task.make_model(config, data.meta)

  total_steps = total_train_steps(config, data.meta)
  tx, schedule = optim.make_optimizer(config.optim, data.meta["steps_per_epoch"], total_steps)
  abstract = jax.eval_shape(lambda: init_state(task, config, model, data.meta, tx))
  return Setup(task=task, config=config, data=data, model=model, mesh=mesh, tx=tx,
               schedule=schedule, total_steps=total_steps,
               state_shardings=mesh_lib.state_shardings(abstract, mesh),
               fingerprint=checkpoint_lib.fingerprint(task.name, config, data.meta))


def jit_init_state(setup: Setup) -> Callable[[], TrainState]:
  """Returns a jitted function that builds the initial state, already sharded."""
  return jax.jit(lambda: init_state(setup.task, setup.config, setup.model, setup.data.meta,
                                    setup.tx), out_shardings=setup.state_shardings)


def restore_or_init(setup: Setup, checkpointer: checkpoint_lib.Checkpointer) -> TrainState:
  """Returns the latest checkpoint's state (moving the data to its position) or a new one."""
  init = jit_init_state(setup)
  latest = checkpointer.latest_step()
  if latest is None:
    logging.info("No checkpoint in %s; initializing from seed %d.", checkpointer.directory,
                 setup.config.seed)
    return init()

  checkpointer.check_fingerprint(latest, setup.fingerprint)
  template = jax.eval_shape(init)
  state, data_state = checkpointer.restore(latest, template, setup.state_shardings)
  setup.data.train.restore(data_state)
  logging.info("Resumed from checkpoint %d (data position %s).", latest, data_state)
  return state


def evaluate(setup: Setup, params: Any, split: str,
             eval_step: Callable | None = None) -> dict[str, float]:
  """Returns the task's metrics over every batch of `split`."""
  task, config = setup.task, setup.config
  carry = task.init_carry(setup.model, config.eval_batch_size)
  if eval_step is None:
    eval_step = make_eval_step(setup)
  totals = None
  for batch in setup.data.eval_splits[split]():
    device_batch = mesh_lib.put_batch(batch, setup.mesh)
    if totals is None:
      totals = _zero_metrics(setup, params, device_batch, carry)
    totals, carry = eval_step(params, device_batch, carry, totals)
  if totals is None:
    raise ValueError(f"Split {split!r} yielded no batches.")
  return task.summarize(jax.tree.map(float, jax.device_get(totals)))


def _zero_metrics(setup: Setup, params: Any, batch: base.Batch, carry: Any) -> dict:
  """Returns zeros shaped like the loss's metric sums."""
  shapes = jax.eval_shape(
      lambda p, b, c: setup.task.loss(p, b, c, None, setup.model, False)[1][0],
      params, batch, carry)
  return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)


def make_eval_step(setup: Setup) -> Callable:
  """Returns the run's jitted eval step, so periodic and final evaluations compile it once."""
  if setup.jitted_eval_step is None:
    carry = setup.task.init_carry(setup.model, setup.config.eval_batch_size)
    setup.jitted_eval_step = steps.jit_eval_step(setup.task.loss, setup.model, setup.mesh,
                                                 setup.state_shardings.params, carry)
  return setup.jitted_eval_step


def train_and_evaluate(task: base.Task, config: ml_collections.ConfigDict, workdir: str, *,
                       stop_at_step: int | None = None) -> dict | None:
  """Trains (resuming from `workdir` if it has a checkpoint), then evaluates every split.

  Args:
    task: the task to train.
    config: the experiment config.
    workdir: checkpoints, metrics and `results.json` go here.
    stop_at_step: save and return None once this step is reached, as a
      preempted run would; the next call resumes from there.

  Returns:
    The contents of `workdir/results.json`, or None if stopped early.
  """
  start_time = time.time()
  setup = build(task, config, workdir)
  writer = writer_lib.MetricWriter(workdir)
  checkpointer = checkpoint_lib.Checkpointer(workdir,
                                             max_to_keep=config.max_checkpoints_to_keep)
  state = restore_or_init(setup, checkpointer)
  end_step = setup.total_steps if stop_at_step is None else min(stop_at_step, setup.total_steps)

  try:
    state, progress = _train(setup, state, checkpointer, writer, end_step)
  finally:
    checkpointer.wait()
  if end_step < setup.total_steps:
    logging.info("Stopped at step %d of %d as requested; the next run resumes here.",
                 end_step, setup.total_steps)
    checkpointer.close()
    writer.close()
    return None

  results = _final_results(setup, state.params, progress, start_time, workdir)
  writer.write(setup.total_steps, {f"{split}/{k}": v for split, m in results["metrics"].items()
                                   for k, v in m.items()})
  checkpointer.close()
  writer.close()
  return results


def _train(setup: Setup, state: TrainState, checkpointer: checkpoint_lib.Checkpointer,
           writer: writer_lib.MetricWriter,
           end_step: int) -> tuple[TrainState, progress_lib.Progress]:
  """Runs the steps after `state.step` up to `end_step`, with evaluation and saves."""
  config, meta = setup.config, setup.data.meta
  start_step = int(state.step)
  eval_every = config.eval_every_steps or meta["steps_per_epoch"]
  checkpoint_every = config.checkpoint_every_steps or meta["steps_per_epoch"]
  progress = progress_lib.Progress(setup, writer, start_step)
  jitted = steps.jit_train_step(setup.task.loss, setup.model, setup.tx, setup.mesh,
                                setup.state_shardings)
  eval_step = make_eval_step(setup)
  if start_step >= end_step:
    logging.info("Training already reached step %d; evaluating only.", start_step)
  else:
    logging.info("Training steps %d to %d (%d per epoch) on %d devices; %s parameters.",
                 start_step + 1, end_step, meta["steps_per_epoch"], setup.mesh.size,
                 f"{count_params(state.params):,}")

  train_step = None
  for step in range(start_step + 1, end_step + 1):
    batch = mesh_lib.put_batch(next(setup.data.train), setup.mesh)
    if train_step is None:
      compile_start = time.time()
      train_step = jitted.lower(state, batch).compile()
      progress.compile_seconds = time.time() - compile_start
      logging.info("Compiled the train step in %.2f s.", progress.compile_seconds)
      progress.restart_clock()
    state, metrics = train_step(state, batch)
    progress.add(step, metrics)

    if step % config.log_every_steps == 0:
      progress.log(step)
    if step % eval_every == 0 or step == setup.total_steps:
      _evaluate_during_training(setup, state, step, progress, writer, eval_step)
    if step % checkpoint_every == 0 or step == end_step:
      progress.log(step)  # Raises on a non-finite loss, before anything is saved.
      checkpointer.save(step, state, setup.data.train.state(), setup.fingerprint)
      progress.restart_clock()
  progress.log(end_step)
  return state, progress


def _evaluate_during_training(setup: Setup, state: TrainState, step: int,
                              progress: progress_lib.Progress, writer: writer_lib.MetricWriter,
                              eval_step: Callable) -> None:
  progress.log(step)
  epoch = step / setup.data.meta["steps_per_epoch"]
  scalars = {"epoch": epoch}
  scalars.update({f"train_epoch/{k}": v
                  for k, v in setup.task.summarize(progress.take_epoch_sums()).items()})
  for split in setup.config.eval_during_training:
    start = time.time()
    metrics = evaluate(setup, state.params, split, eval_step)
    logging.info("epoch %.2f  %s: %s  (%.1f s)", epoch, split,
                 "  ".join(f"{k} {v:.4g}" for k, v in metrics.items()), time.time() - start)
    scalars.update({f"{split}/{k}": v for k, v in metrics.items()})
  writer.write(step, scalars)
  writer.flush()
  progress.restart_clock()


def count_params(params: Any) -> int:
  return sum(int(np.prod(x.shape)) for x in jax.tree.leaves(params))


def _final_results(setup: Setup, params: Any, progress: progress_lib.Progress, start_time: float,
                   workdir: str) -> dict:
  """Evaluates every split and writes `workdir/results.json`."""
  eval_step = make_eval_step(setup)
  metrics = {}
  for split in setup.data.eval_splits:
    metrics[split] = evaluate(setup, params, split, eval_step)
    logging.info("Final %s: %s", split,
                 "  ".join(f"{k} {v:.4g}" for k, v in metrics[split].items()))
  results = {
      "task": setup.task.name,
      "config_name": setup.config.get("name", ""),
      "metrics": metrics,
      "train": {
          "steps": setup.total_steps,
          "steps_this_run": setup.total_steps - progress.start_step,
          "tokens_per_sec": progress.tokens / max(progress.train_seconds, 1e-9),
          "train_seconds": progress.train_seconds,
          "compile_seconds": progress.compile_seconds,
          "num_params": count_params(params),
      },
      "wall_seconds": time.time() - start_time,
      **environment(),
      "config": setup.config.to_dict(),
  }
  path = os.path.join(workdir, "results.json")
  if progress.start_step == setup.total_steps and os.path.isfile(path):
    # A rerun of a finished run only evaluates: keep the training record it would erase.
    with open(path, encoding="utf-8") as f:
      previous = json.load(f)
    results["train"] = dict(previous.get("train", results["train"]), steps_this_run=0)
    results["wall_seconds"] = previous.get("wall_seconds", results["wall_seconds"])
  write_json(os.path.join(workdir, "results.json"), results)
  logging.info("Wrote %s", os.path.join(workdir, "results.json"))
  return results


def environment() -> dict:
  """Versions, devices and date, for records."""
  import flax  # pylint: disable=g-import-not-at-top
  devices = jax.devices()
  return {
      "versions": {"lmjax": lmjax.__version__, "jax": jax.__version__,
                   "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else "",
                   "flax": flax.__version__, "optax": optax.__version__},
      "devices": {"platform": devices[0].platform, "kind": devices[0].device_kind,
                  "count": len(devices), "process_count": jax.process_count(),
                  "cpu_count": os.cpu_count()},
      "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
  }


def write_json(path: str, value: Any) -> None:
  """Writes JSON atomically (temporary file, then rename), from process 0 only."""
  if jax.process_index() != 0:
    return
  tmp = path + ".tmp"
  with open(tmp, "w", encoding="utf-8") as f:
    json.dump(value, f, indent=2, ensure_ascii=False)
  os.replace(tmp, path)


def restore_params(task: base.Task, config: ml_collections.ConfigDict, workdir: str,
                   meta: dict) -> tuple[nn.Module, Any, int]:
  """Returns the model, the latest checkpoint's parameters and its step, for inference."""
  model = task.make_model(config, meta)
  mesh = mesh_lib.make_mesh()
  # The optimizer state's shapes do not depend on the schedule, so any epoch length works.
  tx, _ = optim.make_optimizer(config.optim, max(meta.get("steps_per_epoch", 1), 1), 1)
  init = jax.jit(lambda: init_state(task, config, model, meta, tx))
  template = jax.eval_shape(init)
  shardings = mesh_lib.state_shardings(template, mesh)

  checkpointer = checkpoint_lib.Checkpointer(workdir)
  step = checkpointer.latest_step()
  if step is None:
    raise FileNotFoundError(f"No checkpoint in {checkpointer.directory}; train first with"
                            f" --mode=train --workdir={workdir}.")
  checkpointer.check_fingerprint(step, checkpoint_lib.fingerprint(task.name, config, meta))
  state, _ = checkpointer.restore(step, template, shardings)
  checkpointer.close()
  return model, state.params, step


def evaluate_checkpoint(task: base.Task, config: ml_collections.ConfigDict,
                        workdir: str) -> dict:
  """Evaluates the latest checkpoint on every split; writes `workdir/eval_results.json`."""
  start_time = time.time()
  setup = build(task, config, workdir)
  _, params, step = restore_params(task, config, workdir, setup.data.meta)
  eval_step = make_eval_step(setup)
  metrics = {split: evaluate(setup, params, split, eval_step) for split in setup.data.eval_splits}
  for split, values in metrics.items():
    logging.info("Checkpoint %d, %s: %s", step, split,
                 "  ".join(f"{k} {v:.4g}" for k, v in values.items()))
  results = {"task": task.name, "config_name": config.get("name", ""), "step": step,
             "metrics": metrics, "wall_seconds": time.time() - start_time, **environment()}
  write_json(os.path.join(workdir, "eval_results.json"), results)
  return results
