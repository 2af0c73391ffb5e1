"""Optimizers and learning-rate schedules from `config.optim`, built with optax.

Fields of `config.optim` (all configs share them):
  optimizer: 'sgd', 'adam' or 'adamw'.
  learning_rate: peak (base) learning rate.
  momentum: SGD momentum; 0 is plain SGD.
  b1, b2, eps: Adam's moment decays and epsilon.
  weight_decay: decoupled weight decay of AdamW.
  grad_clip_norm: clip gradients to this global L2 norm first; 0 disables.
  schedule: 'constant', 'epoch_decay', 'exponential', 'step' or 'warmup_cosine'.
  decay_rate: multiplier per decay period ('epoch_decay', 'exponential', 'step').
  decay_after_epochs: 'epoch_decay' keeps the base rate for this many epochs, then
    multiplies it by `decay_rate` at the start of every later epoch (Zaremba et al.).
  decay_steps: period of 'exponential' and 'step' decay, in steps.
  warmup_steps: linear warmup from 0 for 'warmup_cosine'.
  end_learning_rate: final value of 'warmup_cosine'.
"""

from typing import Callable

import ml_collections
import optax

def make_schedule(config: ml_collections.ConfigDict, steps_per_epoch: int,
                  total_steps: int) -> optax.Schedule:
  """Returns the learning rate as a function of the step count."""
  base = config.learning_rate
  builders: dict[str, Callable[[], optax.Schedule]] = {
      "constant": lambda: optax.constant_schedule(base),
      # Epochs 0 .. decay_after_epochs-1 use `base`; epoch e after them uses
      # base * rate ** (e - decay_after_epochs + 1).
      "epoch_decay": lambda: optax.exponential_decay(
          base, transition_steps=steps_per_epoch, decay_rate=config.decay_rate,
          transition_begin=max(config.decay_after_epochs - 1, 0) * steps_per_epoch,
          staircase=True),
      "exponential": lambda: optax.exponential_decay(
          base, transition_steps=config.decay_steps, decay_rate=config.decay_rate),
      "step": lambda: optax.exponential_decay(
          base, transition_steps=config.decay_steps, decay_rate=config.decay_rate,
          staircase=True),
      "warmup_cosine": lambda: optax.warmup_cosine_decay_schedule(
          0.0, base, warmup_steps=config.warmup_steps, decay_steps=max(total_steps, 1),
          end_value=config.end_learning_rate),
  }
  if config.schedule not in builders:
    raise ValueError(f"Unknown config.optim.schedule {config.schedule!r}; known:"
                     f" {sorted(builders)}")
  if config.schedule == "epoch_decay" and config.decay_after_epochs < 1:
    raise ValueError("config.optim.decay_after_epochs must be at least 1, got"
                     f" {config.decay_after_epochs}.")
  return builders[config.schedule]()


def make_optimizer(config: ml_collections.ConfigDict, steps_per_epoch: int,
                   total_steps: int) -> tuple[optax.GradientTransformation, optax.Schedule]:
  """Returns the optax transformation for `config.optim` and its schedule."""
  schedule = make_schedule(config, steps_per_epoch, total_steps)
  builders: dict[str, Callable[[], optax.GradientTransformation]] = {
      "sgd": lambda: optax.sgd(schedule, momentum=config.momentum or None),
      "adam": lambda: optax.adam(schedule, b1=config.b1, b2=config.b2, eps=config.eps),
      "adamw": lambda: optax.adamw(schedule, b1=config.b1, b2=config.b2, eps=config.eps,
                                   weight_decay=config.weight_decay),
  }
  if config.optimizer not in builders:
    raise ValueError(f"Unknown config.optim.optimizer {config.optimizer!r}; known:"
                     f" {sorted(builders)}")
  opt = builders[config.optimizer]()

  if config.grad_clip_norm:
    opt = optax.chain(optax.clip_by_global_norm(config.grad_clip_norm), opt)
  return opt, schedule


def default_config() -> ml_collections.ConfigDict:
  """Returns `config.optim` with every field at its default."""
  return ml_collections.ConfigDict(dict(
      optimizer="sgd", learning_rate=1.0, momentum=0.0, b1=0.9, b2=0.999, eps=1e-8,
      weight_decay=0.0, grad_clip_norm=0.0, schedule="constant", decay_rate=0.5,
      decay_after_epochs=1, decay_steps=1000, warmup_steps=0, end_learning_rate=0.0))
