"""Pure train and eval steps, and the helpers that jit them over a mesh."""

import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from jax.sharding import Mesh

from lmjax.train import task_interface as base
from lmjax.train import mesh as mesh_lib
from lmjax.train.state import TrainState


def train_step(state: TrainState, batch: base.Batch, *, loss_fn: base.LossFn,
               model: nn.Module, tx: optax.GradientTransformation) -> tuple[TrainState, dict]:
  """Takes one optimizer step; returns the new state and this step's metric sums."""
  rng = jax.random.fold_in(state.rng, state.step)
  carry = jax.lax.stop_gradient(state.carry)

  def loss(params):
    return loss_fn(params, batch, carry, rng, model, True)

  (value, (metrics, new_carry)), grads = jax.value_and_grad(loss, has_aux=True)(state.params)
  updates, opt_state = tx.update(grads, state.opt_state, state.params)
  params = optax.apply_updates(state.params, updates)

  metrics = dict(metrics, loss=value, grad_norm=optax.tree.norm(grads))
  new_state = state.replace(step=state.step + 1, params=params, opt_state=opt_state,
                            carry=new_carry)
  return new_state, metrics


def eval_step(params: Any, batch: base.Batch, carry: Any, totals: dict, *,
              loss_fn: base.LossFn, model: nn.Module) -> tuple[dict, Any]:
  """Adds one batch's metric sums to `totals`; returns them and the next carry.

  Summing inside the step keeps a whole evaluation free of host round trips.
  """
  _, (metrics, new_carry) = loss_fn(params, batch, carry, None, model, False)
  return jax.tree.map(jnp.add, totals, metrics), new_carry


def jit_train_step(loss_fn: base.LossFn, model: nn.Module, tx: optax.GradientTransformation,
                   mesh: Mesh, state_shardings: Any) -> Callable:
  """Returns `train_step` jitted with explicit shardings; the state is donated."""
  step = functools.partial(train_step, loss_fn=loss_fn, model=model, tx=tx)
  return jax.jit(step,
                 in_shardings=(state_shardings, mesh_lib.batch_sharded(mesh)),
                 out_shardings=(state_shardings, mesh_lib.replicated(mesh)),
                 donate_argnums=(0,))


def jit_eval_step(loss_fn: base.LossFn, model: nn.Module, mesh: Mesh,
                  params_shardings: Any, carry_example: Any) -> Callable:
  """Returns `eval_step` jitted with the carry sharded on its batch axis.

  The carry and the running totals are donated.
  """
  step = functools.partial(eval_step, loss_fn=loss_fn, model=model)
  carry_shardings = jax.tree.map(lambda _: mesh_lib.batch_sharded(mesh), carry_example)
  replicated = mesh_lib.replicated(mesh)
  return jax.jit(step,
                 in_shardings=(params_shardings, mesh_lib.batch_sharded(mesh),
                               carry_shardings, replicated),
                 out_shardings=(replicated, carry_shardings),
                 donate_argnums=(2, 3))
