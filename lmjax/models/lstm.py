"""LSTM layers and the LSTM language model of Zaremba et al. (2014).

All sequence tensors are time-major (`[time, batch, ...]`) inside the model,
because `lax.scan` steps over the leading axis and this avoids transposing
activations. The model's inputs and outputs are batch-major like every batch.

The gates use PyTorch's order (input, forget, cell, output) in one fused
`[features, 4 * hidden]` kernel, so weights map one-to-one onto `nn.LSTM`.
"""

from typing import Any, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from lmjax.models import recurrence

Carry = tuple[jax.Array, jax.Array]  # (c, h), each <float32>[batch, hidden].


def matmul(x: jax.Array, kernel: jax.Array, dtype: Any) -> jax.Array:
  """Multiplies in `dtype` (e.g. bfloat16) and accumulates and returns float32."""
  return jnp.dot(x.astype(dtype), kernel.astype(dtype), preferred_element_type=jnp.float32)


class LSTMLayer(nn.Module):
  """One LSTM layer over a whole sequence.

  The input projection of all time steps is one large matmul before the scan,
  so only the recurrent `h @ w_hh` stays inside the sequential loop.

  Attributes:
    hidden_size: units per gate.
    init_scale: weights and biases start uniform in [-init_scale, init_scale];
      0 selects Flax's defaults (Lecun normal, orthogonal recurrent, zero bias).
    forget_bias: added to the forget gate's pre-activation.
    dtype: matmul input dtype; the cell state and gates stay float32.
    unroll: time steps per scan iteration (larger compiles slower, may run faster).
    implementation: a key of `recurrence.IMPLEMENTATIONS`, or 'cudnn' (GPU only);
      all compute the same function and gradients.
  """
  hidden_size: int
  init_scale: float = 0.0
  forget_bias: float = 0.0
  dtype: Any = jnp.float32
  unroll: int = 1
  implementation: str = "custom_vjp"

  @nn.compact
  def __call__(self, inputs: jax.Array, carry: Carry) -> tuple[Carry, jax.Array]:
    """Runs the layer over `inputs` <float>[time, batch, features] from `carry`.

    Returns:
      The final carry and the hidden states <float32>[time, batch, hidden].
    """
    features = inputs.shape[-1]
    gates = 4 * self.hidden_size
    if self.init_scale:
      kernel_init = recurrent_init = bias_init = _symmetric_uniform(self.init_scale)
    else:
      kernel_init = nn.initializers.lecun_normal()
      recurrent_init = nn.initializers.orthogonal(column_axis=-1)
      bias_init = nn.initializers.zeros
    w_ih = self.param("w_ih", kernel_init, (features, gates))
    w_hh = self.param("w_hh", recurrent_init, (self.hidden_size, gates))
    bias = self.param("bias", bias_init, (gates,))

    forget_shift = jnp.zeros((gates,)).at[self.hidden_size:2 * self.hidden_size].set(
        self.forget_bias)
    if self.implementation == "cudnn":
      return recurrence.cudnn(inputs, w_ih, w_hh, bias + forget_shift, tuple(carry))
    if self.implementation not in recurrence.IMPLEMENTATIONS:
      raise ValueError(f"Unknown LSTM implementation {self.implementation!r}; known:"
                       f" {sorted(recurrence.IMPLEMENTATIONS) + ['cudnn']}")
    projected = matmul(inputs, w_ih, self.dtype) + (bias + forget_shift)
    recur = recurrence.IMPLEMENTATIONS[self.implementation]
    return recur(projected, w_hh, tuple(carry), self.dtype, self.unroll)


def _symmetric_uniform(scale: float):
  def init(key, shape, dtype=jnp.float32):
    return jax.random.uniform(key, shape, dtype, -scale, scale)
  return init


class LSTMLanguageModel(nn.Module):
  """Embedding, stacked LSTM and softmax, with dropout on non-recurrent connections.

  Dropout follows Zaremba et al. (2014): on the embeddings, between layers and
  before the softmax, never on the recurrent state.

  Attributes:
    vocab_size: size of the output softmax and the embedding table.
    embed_dim: embedding width; must equal `hidden_size` when embeddings are tied.
    hidden_size: LSTM units per layer.
    num_layers: stacked LSTM layers.
    dropout_rate: dropout probability on non-recurrent connections.
    tie_embeddings: reuse the embedding table as the softmax weights.
    init_scale: uniform init range for all weights; 0 uses Flax's defaults.
    forget_bias: added to the forget gates' pre-activations.
    dtype: matmul input dtype (float32 or bfloat16); accumulation is float32.
    unroll: scan unroll factor of the LSTM layers.
    implementation: how the LSTM recurrence is computed (see `recurrence`).
  """
  vocab_size: int
  embed_dim: int
  hidden_size: int
  num_layers: int
  dropout_rate: float = 0.0
  tie_embeddings: bool = False
  init_scale: float = 0.0
  forget_bias: float = 0.0
  dtype: Any = jnp.float32
  unroll: int = 1
  implementation: str = "custom_vjp"

  def initial_carry(self, batch_size: int) -> tuple[Carry, ...]:
    """Returns zero (c, h) states; every array is distinct, so all can be donated."""
    shape = (batch_size, self.hidden_size)
    return tuple((jnp.zeros(shape, jnp.float32), jnp.zeros(shape, jnp.float32))
                 for _ in range(self.num_layers))

  @nn.compact
  def __call__(self, inputs: jax.Array, carry: Sequence[Carry], *,
               train: bool) -> tuple[jax.Array, tuple[Carry, ...]]:
    """Predicts the next token at every position.

    Args:
      inputs: <int32>[batch, time] token ids.
      carry: per layer, the (c, h) state to start from.
      train: enables dropout (needs a 'dropout' rng).

    Returns:
      logits <float32>[batch, time, vocab] and the final carry per layer.
    """
    if self.tie_embeddings and self.embed_dim != self.hidden_size:
      raise ValueError(f"Tied embeddings need embed_dim == hidden_size, got"
                       f" embed_dim={self.embed_dim} and hidden_size={self.hidden_size}.")
    uniform = (_symmetric_uniform(self.init_scale) if self.init_scale
               else nn.initializers.normal(stddev=1.0))
    embedding = self.param("embedding", uniform, (self.vocab_size, self.embed_dim))
    dropout = nn.Dropout(self.dropout_rate, deterministic=not train)

    x = jnp.take(embedding, inputs.T, axis=0)  # Time-major: [time, batch, embed].
    x = dropout(x)
    new_carry = []
    for layer in range(self.num_layers):
      layer_carry, x = LSTMLayer(self.hidden_size, init_scale=self.init_scale,
                                 forget_bias=self.forget_bias, dtype=self.dtype,
                                 unroll=self.unroll, implementation=self.implementation,
                                 name=f"lstm_{layer}")(x, carry[layer])
      new_carry.append(layer_carry)
      x = dropout(x)

    # Back to batch-major before the softmax: transposing [time, batch, hidden]
    # is far cheaper than transposing the logits.
    x = x.transpose(1, 0, 2)
    if self.tie_embeddings:
      logits = matmul(x, embedding.T, self.dtype)
    else:
      kernel = self.param("softmax_kernel", uniform if self.init_scale
                          else nn.initializers.lecun_normal(),
                          (self.hidden_size, self.vocab_size))
      bias = self.param("softmax_bias", uniform if self.init_scale else nn.initializers.zeros,
                        (self.vocab_size,))
      logits = matmul(x, kernel, self.dtype) + bias
    return logits, tuple(new_carry)
