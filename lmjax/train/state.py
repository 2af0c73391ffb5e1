"""The train state: everything a run needs to continue exactly where it stopped."""

from typing import Any

import flax.struct
import jax
import optax


class TrainState(flax.struct.PyTreeNode):
  """Step counter, parameters, optimizer state, base rng and the task's carry.

  `carry` is the recurrent state handed from one batch to the next (the LSTM
  state of truncated BPTT), or None for tasks without one. The dropout key of a
  step is `fold_in(rng, step)`, so the rng itself never changes.
  """
  step: jax.Array
  params: Any
  opt_state: optax.OptState
  rng: jax.Array
  carry: Any = None
