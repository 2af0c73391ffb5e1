import jax
import jax.numpy as jnp
import numpy as np

from lmjax.decoding import sampling
from lmjax.models import lstm


def test_zero_temperature_is_argmax():
  logits = jnp.asarray([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
  tokens = sampling.select_tokens(logits, jax.random.PRNGKey(0), temperature=0.0, top_k=0)
  np.testing.assert_array_equal(tokens, [1, 0])


def test_top_k_samples_only_the_k_most_likely():
  logits = jnp.tile(jnp.asarray([[0.0, 1.0, 0.5, 3.0, 2.0, -1.0]]), (2000, 1))
  tokens = sampling.select_tokens(logits, jax.random.PRNGKey(1), temperature=1.0, top_k=2)
  assert set(np.unique(tokens)) == {3, 4}
  # Renormalized over the two: p(3) = e^3 / (e^3 + e^2).
  assert abs(np.mean(tokens == 3) - 1 / (1 + np.exp(-1))) < 0.04


def test_top_k_one_is_greedy_at_any_temperature():
  logits = jax.random.normal(jax.random.PRNGKey(2), (16, 50))
  tokens = sampling.select_tokens(logits, jax.random.PRNGKey(3), temperature=5.0, top_k=1)
  np.testing.assert_array_equal(tokens, jnp.argmax(logits, axis=-1))


def test_greedy_sampling_matches_full_recomputation():
  model = lstm.LSTMLanguageModel(vocab_size=17, embed_dim=8, hidden_size=8, num_layers=2,
                                 init_scale=0.5)
  prompt = jnp.asarray([[3, 5, 7], [1, 2, 3]], jnp.int32)
  params = model.init(jax.random.PRNGKey(0), prompt, model.initial_carry(2),
                      train=False)["params"]
  generated = sampling.sample(model, params, prompt, jax.random.PRNGKey(1), num_tokens=6,
                              temperature=0.0)

  # Feed the whole sequence from scratch each time and take the argmax.
  sequence = prompt
  for _ in range(6):
    logits, _ = model.apply({"params": params}, sequence, model.initial_carry(2), train=False)
    sequence = jnp.concatenate([sequence, jnp.argmax(logits[:, -1:], axis=-1)], axis=1)
  np.testing.assert_array_equal(generated, sequence[:, 3:])


def test_longest_match_segmentation():
  vocab = {"中国": 0, "人民": 1, "中": 2, "国人": 3}
  assert sampling.segment_longest_match("中国人民好", vocab) == ["中国", "人民", "好"]


def test_prompt_tokenization_by_level():
  vocab = {"中国": 0}
  assert sampling.tokenize_prompt("the cat", vocab, " ", "word") == ["the", "cat"]
  assert sampling.tokenize_prompt("ab c", vocab, "", "char") == ["a", "b", " ", "c"]
  assert sampling.tokenize_prompt("中国人", vocab, "", "word") == ["中国", "人"]
