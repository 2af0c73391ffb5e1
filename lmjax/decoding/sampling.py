"""Sampling from recurrent language models: temperature and top-k, fully jitted."""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np


def select_tokens(logits: jax.Array, rng: jax.Array, temperature: float,
                  top_k: int) -> jax.Array:
  """Draws one token per row of `logits` <float>[batch, vocab].

  A temperature of 0 is greedy (argmax). `top_k` > 0 keeps only the k most likely
  tokens (ties at the k-th value are kept too).
  """
  if temperature == 0:
    return jnp.argmax(logits, axis=-1).astype(jnp.int32)
  logits = logits.astype(jnp.float32) / temperature
  if top_k:
    kth_largest = jax.lax.top_k(logits, top_k)[0][..., -1:]
    logits = jnp.where(logits < kth_largest, -jnp.inf, logits)
  return jax.random.categorical(rng, logits, axis=-1).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=("model", "num_tokens", "temperature", "top_k"))
def sample(model: nn.Module, params: Any, prompt: jax.Array, rng: jax.Array, *,
           num_tokens: int, temperature: float = 1.0, top_k: int = 0) -> jax.Array:
  """Continues each prompt by `num_tokens` sampled tokens.

  Args:
    model: a recurrent LM called as `model.apply(vars, ids, carry, train=False)`
      returning (logits, carry), with an `initial_carry(batch_size)` method.
    params: its parameters.
    prompt: <int32>[batch, prompt_len] token ids, prompt_len >= 1.
    rng: key for sampling.
    num_tokens: how many tokens to generate.
    temperature: softmax temperature; 0 is greedy decoding.
    top_k: sample among the k most likely tokens; 0 samples from all.

  Returns:
    <int32>[batch, num_tokens] generated ids (the prompt is not repeated).
  """
  variables = {"params": params}
  logits, carry = model.apply(variables, prompt, model.initial_carry(prompt.shape[0]),
                              train=False)

  def step(state, step_rng):
    carry, last_logits = state
    token = select_tokens(last_logits, step_rng, temperature, top_k)
    logits, carry = model.apply(variables, token[:, None], carry, train=False)
    return (carry, logits[:, -1]), token

  _, tokens = jax.lax.scan(step, (carry, logits[:, -1]), jax.random.split(rng, num_tokens))
  return tokens.T


def segment_longest_match(text: str, vocab: dict[str, int], max_word_len: int = 8) -> list[str]:
  """Splits unspaced text (e.g. Chinese) into the longest vocabulary words, left to right.

  Characters that start no known word become single-character tokens.
  """
  tokens, i = [], 0
  while i < len(text):
    for length in range(min(max_word_len, len(text) - i), 0, -1):
      if text[i:i + length] in vocab or length == 1:
        tokens.append(text[i:i + length])
        i += length
        break
  return tokens


def tokenize_prompt(prompt: str, vocab: dict[str, int], join: str, level: str) -> list[str]:
  """Tokenizes a prompt the way the training text was tokenized."""
  if level == "char":
    return list(prompt)
  if join == "":
    return [t for word in prompt.split() for t in segment_longest_match(word, vocab)]
  return prompt.split()


def as_batch(ids: np.ndarray, batch_size: int) -> np.ndarray:
  return np.repeat(np.asarray(ids, np.int32)[None], batch_size, axis=0)
