"""The device mesh and the shardings of state and batches."""

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

DATA_AXIS = "data"


def make_mesh(devices=None) -> Mesh:
  """Returns a one-axis data-parallel mesh over all devices of all processes."""
  devices = jax.devices() if devices is None else devices
  return Mesh(np.asarray(devices), (DATA_AXIS,))


def replicated(mesh: Mesh) -> NamedSharding:
  return NamedSharding(mesh, P())


def batch_sharded(mesh: Mesh) -> NamedSharding:
  """Shards the leading (batch) axis over the data axis."""
  return NamedSharding(mesh, P(DATA_AXIS))


def check_batch_size(batch_size: int, mesh: Mesh, what: str = "batch_size") -> None:
  if batch_size < 1:
    raise ValueError(f"config.{what} must be a positive multiple of the {mesh.size} devices,"
                     f" got {batch_size}.")
  if batch_size % mesh.size:
    raise ValueError(
        f"config.{what}={batch_size} is not divisible by the {mesh.size} devices of the"
        f" mesh; choose a multiple of {mesh.size}.")


def state_shardings(state, mesh: Mesh):
  """Replicates parameters and optimizer state; shards the carry on its batch axis."""
  shardings = jax.tree.map(lambda _: replicated(mesh), state)
  if state.carry is not None:
    shardings = shardings.replace(carry=jax.tree.map(lambda _: batch_sharded(mesh), state.carry))
  return shardings


def put_batch(batch: dict, mesh: Mesh) -> dict:
  """Places this process's rows of a numpy batch as one global sharded array per key."""
  sharding = batch_sharded(mesh)
  return {k: jax.make_array_from_process_local_data(sharding, v) for k, v in batch.items()}
