"""The LSTM recurrence over precomputed input projections, in interchangeable forms.

Each function maps `projected` <float32>[time, batch, 4 * hidden] (the input
projection plus bias of every step), the recurrent kernel `w_hh`
<float32>[hidden, 4 * hidden] and the initial carry (c, h) to the final carry
and the hidden states <float32>[time, batch, hidden]. Gates are ordered
(input, forget, cell, output).

- `scan`: a `lax.scan` differentiated by JAX.
- `custom_vjp`: the same forward pass with a hand-written backward pass that
  keeps only `dz @ w_hh.T` inside the reverse loop and computes the weight
  gradient as one large matmul over all steps afterwards, as cuDNN does. JAX's
  own derivative of the scan accumulates `h_t^T dz_t` step by step instead.
- `cudnn`: NVIDIA's fused LSTM through `jax.experimental.rnn` (GPU only). It
  takes the layer inputs rather than their projection, because cuDNN projects
  them itself.
"""

import functools
from typing import Any

import jax
import jax.numpy as jnp

Carry = tuple[jax.Array, jax.Array]


def _dot(x: jax.Array, y: jax.Array, dtype: Any) -> jax.Array:
  return jnp.dot(x.astype(dtype), y.astype(dtype), preferred_element_type=jnp.float32)


def _cell(z: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
  """Returns the activated gates, the new cell state and the new hidden state."""
  i, f, g, o = jnp.split(z, 4, axis=-1)
  i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
  c = f * c + i * g
  h = o * jnp.tanh(c)
  return jnp.concatenate([i, f, g, o], axis=-1), c, h


def scan(projected: jax.Array, w_hh: jax.Array, carry: Carry, dtype: Any = jnp.float32,
         unroll: int = 1) -> tuple[Carry, jax.Array]:
  w_hh = w_hh.astype(dtype)

  def step(carry: Carry, projected_t: jax.Array) -> tuple[Carry, jax.Array]:
    c, h = carry
    _, c, h = _cell(projected_t + _dot(h, w_hh, dtype), c)
    return (c, h), h

  return jax.lax.scan(step, carry, projected, unroll=unroll)


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def custom_vjp(projected: jax.Array, w_hh: jax.Array, carry: Carry,
               dtype: Any = jnp.float32, unroll: int = 1) -> tuple[Carry, jax.Array]:
  return _forward(projected, w_hh, carry, dtype, unroll)[0]


def _forward(projected, w_hh, carry, dtype, unroll):
  w = w_hh.astype(dtype)

  def step(carry: Carry, projected_t: jax.Array):
    c, h = carry
    gates, c, h = _cell(projected_t + _dot(h, w, dtype), c)
    return (c, h), (h, gates, c)

  final, (hs, gates, cs) = jax.lax.scan(step, carry, projected, unroll=unroll)
  return (final, hs), (w_hh, carry, hs, gates, cs)


def _backward(dtype, unroll, residuals, cotangents):
  w_hh, (c0, h0), hs, gates, cs = residuals
  (dc_last, dh_last), dhs = cotangents
  c_prev = jnp.concatenate([c0[None], cs[:-1]], axis=0)
  w_hh_t = w_hh.T.astype(dtype)

  def step(carry: Carry, xs):
    dc_next, dh_next = carry
    dh_out, gates_t, c_t, c_prev_t = xs
    i, f, g, o = jnp.split(gates_t, 4, axis=-1)
    dh = dh_out + dh_next
    tanh_c = jnp.tanh(c_t)
    dc = dc_next + dh * o * (1 - tanh_c * tanh_c)
    dz = jnp.concatenate([dc * g * i * (1 - i), dc * c_prev_t * f * (1 - f),
                          dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=-1)
    return (dc * f, _dot(dz, w_hh_t, dtype)), dz

  (dc0, dh0), dz = jax.lax.scan(step, (dc_last, dh_last), (dhs, gates, cs, c_prev),
                                reverse=True, unroll=unroll)
  h_prev = jnp.concatenate([h0[None], hs[:-1]], axis=0)
  dw_hh = jnp.einsum("tbh,tbg->hg", h_prev.astype(dtype), dz.astype(dtype),
                     preferred_element_type=jnp.float32)
  return dz, dw_hh.astype(w_hh.dtype), (dc0, dh0)


custom_vjp.defvjp(lambda p, w, c, dtype, unroll: _forward(p, w, c, dtype, unroll), _backward)

IMPLEMENTATIONS = {"scan": scan, "custom_vjp": custom_vjp}


def cudnn(inputs: jax.Array, w_ih: jax.Array, w_hh: jax.Array, bias: jax.Array,
          carry: Carry) -> tuple[Carry, jax.Array]:
  """Runs one LSTM layer with cuDNN over `inputs` <float32>[time, batch, features].

  Raises:
    ValueError: when the default backend is not a GPU.
  """
  # Imported here because the module needs GPU kernels only when this path is used.
  from jax.experimental import rnn  # pylint: disable=g-import-not-at-top

  if jax.default_backend() != "gpu":
    raise ValueError("config.model.implementation='cudnn' needs a GPU; this backend is"
                     f" {jax.default_backend()!r}. Use 'custom_vjp' or 'scan'.")
  time_steps, batch, features = inputs.shape
  hidden = w_hh.shape[0]
  # NOTE: this layout follows the jax.experimental.rnn module docs; only the GPU test
  # test_cudnn_matches_scan_outputs_and_gradients checks it against `scan`.
  # cuDNN's packed layout for one layer: W_ih [4H, D], W_hh [4H, H], b_ih, b_hh, each
  # flattened row-major, gates in the same (i, f, g, o) order as lmjax's kernels.
  weights = jnp.concatenate([w_ih.T.ravel(), w_hh.T.ravel(), bias, jnp.zeros_like(bias)])
  c0, h0 = carry
  ys, h_n, c_n = rnn.lstm(jnp.swapaxes(inputs, 0, 1), h0[None], c0[None], weights,
                          seq_lengths=jnp.full((batch,), time_steps, jnp.int32),
                          input_size=features, hidden_size=hidden, num_layers=1, dropout=0.0,
                          bidirectional=False, precision=jax.lax.Precision.HIGHEST)
  return (c_n[0], h_n[0]), jnp.swapaxes(ys, 0, 1)
