import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lmjax.models import lstm
from lmjax.models import recurrence


def numpy_lstm(x, w_ih, w_hh, bias, c, h):
  """Plain NumPy LSTM, gates (i, f, g, o), time-major x: [time, batch, features]."""
  sigmoid = lambda z: 1 / (1 + np.exp(-z))
  outputs = []
  for x_t in x:
    z = x_t @ w_ih + h @ w_hh + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    outputs.append(h)
  return (c, h), np.stack(outputs)


def random_layer_inputs(time=7, batch=3, features=5, hidden=4, seed=0):
  rng = np.random.default_rng(seed)
  x = rng.normal(size=(time, batch, features)).astype(np.float32)
  carry = tuple(rng.normal(size=(batch, hidden)).astype(np.float32) for _ in range(2))
  return x, carry


@pytest.mark.parametrize("implementation", sorted(recurrence.IMPLEMENTATIONS))
def test_layer_matches_numpy(implementation):
  x, carry = random_layer_inputs()
  layer = lstm.LSTMLayer(4, init_scale=0.5, implementation=implementation, unroll=2)
  params = layer.init(jax.random.PRNGKey(0), x, carry)["params"]
  (c, h), hs = layer.apply({"params": params}, x, carry)
  p = jax.tree.map(np.asarray, params)
  (c_ref, h_ref), hs_ref = numpy_lstm(x, p["w_ih"], p["w_hh"], p["bias"], *carry)
  np.testing.assert_allclose(hs, hs_ref, atol=1e-5)
  np.testing.assert_allclose(c, c_ref, atol=1e-5)
  np.testing.assert_allclose(h, h_ref, atol=1e-5)


def test_layer_matches_torch():
  torch = pytest.importorskip("torch")
  x, (c0, h0) = random_layer_inputs(time=6, batch=2, features=3, hidden=5, seed=1)
  layer = lstm.LSTMLayer(5, init_scale=0.3)
  params = jax.tree.map(np.asarray, layer.init(jax.random.PRNGKey(1), x, (c0, h0))["params"])
  reference = torch.nn.LSTM(3, 5)
  with torch.no_grad():
    reference.weight_ih_l0.copy_(torch.from_numpy(params["w_ih"].T.copy()))
    reference.weight_hh_l0.copy_(torch.from_numpy(params["w_hh"].T.copy()))
    # PyTorch adds two biases; their sum is lmjax's single bias.
    reference.bias_ih_l0.copy_(torch.from_numpy(params["bias"].copy()))
    reference.bias_hh_l0.zero_()
    hs_ref, (h_ref, c_ref) = reference(torch.from_numpy(x), (torch.from_numpy(h0)[None],
                                                             torch.from_numpy(c0)[None]))
  (c, h), hs = layer.apply({"params": params}, x, (c0, h0))
  np.testing.assert_allclose(hs, hs_ref.numpy(), atol=1e-5)
  np.testing.assert_allclose(h, h_ref[0].numpy(), atol=1e-5)
  np.testing.assert_allclose(c, c_ref[0].numpy(), atol=1e-5)


def test_forget_bias_shifts_only_forget_gate():
  x, carry = random_layer_inputs()
  plain = lstm.LSTMLayer(4, init_scale=0.5)
  params = plain.init(jax.random.PRNGKey(0), x, carry)
  shifted = params["params"]["bias"].at[4:8].add(1.0)
  expected = plain.apply({"params": {**params["params"], "bias": shifted}}, x, carry)
  actual = lstm.LSTMLayer(4, init_scale=0.5, forget_bias=1.0).apply(params, x, carry)
  np.testing.assert_allclose(actual[1], expected[1], atol=1e-6)


def test_custom_vjp_gradients_match_scan():
  x, carry = random_layer_inputs(time=9, batch=2, features=4, hidden=3)
  rng = np.random.default_rng(3)
  projected = jnp.asarray(rng.normal(size=(9, 2, 12)), jnp.float32)
  w_hh = jnp.asarray(rng.normal(size=(3, 12)) * 0.5, jnp.float32)
  carry = tuple(jnp.asarray(c) for c in carry)
  weights = jnp.asarray(rng.normal(size=(9, 2, 3)), jnp.float32)

  def objective(fn):
    def f(projected, w_hh, carry):
      (c, h), hs = fn(projected, w_hh, carry, jnp.float32, 3)
      return jnp.sum(hs * weights) + jnp.sum(c * 0.7) - jnp.sum(h * 0.2)
    return jax.grad(f, argnums=(0, 1, 2))(projected, w_hh, carry)

  expected = objective(recurrence.scan)
  actual = objective(recurrence.custom_vjp)
  for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
    np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


def make_lm(**overrides):
  kwargs = dict(vocab_size=23, embed_dim=8, hidden_size=8, num_layers=2, init_scale=0.2)
  kwargs.update(overrides)
  model = lstm.LSTMLanguageModel(**kwargs)
  ids = jnp.asarray(np.random.default_rng(0).integers(0, 23, (3, 10)), jnp.int32)
  params = model.init(jax.random.PRNGKey(0), ids, model.initial_carry(3), train=False)["params"]
  return model, params, ids


def test_lm_shapes_and_parameters():
  model, params, ids = make_lm()
  logits, carry = model.apply({"params": params}, ids, model.initial_carry(3), train=False)
  assert logits.shape == (3, 10, 23)
  assert len(carry) == 2
  assert carry[0][0].shape == (3, 8)
  assert set(params) == {"embedding", "lstm_0", "lstm_1", "softmax_kernel", "softmax_bias"}


def test_lm_carry_splits_sequence_exactly():
  model, params, ids = make_lm()
  variables = {"params": params}
  whole, _ = model.apply(variables, ids, model.initial_carry(3), train=False)
  first, carry = model.apply(variables, ids[:, :4], model.initial_carry(3), train=False)
  second, _ = model.apply(variables, ids[:, 4:], carry, train=False)
  np.testing.assert_allclose(jnp.concatenate([first, second], axis=1), whole, atol=1e-5)


def test_tied_embeddings_share_softmax_weights():
  model, params, ids = make_lm(tie_embeddings=True)
  assert "softmax_kernel" not in params
  with pytest.raises(ValueError, match="embed_dim == hidden_size"):
    make_lm(tie_embeddings=True, embed_dim=6)


def test_dropout_only_in_training():
  model, params, ids = make_lm(dropout_rate=0.5)
  carry = model.initial_carry(3)
  eval_a, _ = model.apply({"params": params}, ids, carry, train=False)
  eval_b, _ = model.apply({"params": params}, ids, carry, train=False)
  np.testing.assert_array_equal(eval_a, eval_b)
  train, _ = model.apply({"params": params}, ids, carry, train=True,
                         rngs={"dropout": jax.random.PRNGKey(1)})
  assert not np.allclose(train, eval_a)


def test_bfloat16_matmuls_stay_close_to_float32():
  model, params, ids = make_lm()
  reference, _ = model.apply({"params": params}, ids, model.initial_carry(3), train=False)
  bf16 = lstm.LSTMLanguageModel(**{**dict(vocab_size=23, embed_dim=8, hidden_size=8,
                                          num_layers=2, init_scale=0.2), "dtype": jnp.bfloat16})
  logits, _ = bf16.apply({"params": params}, ids, bf16.initial_carry(3), train=False)
  assert logits.dtype == jnp.float32
  np.testing.assert_allclose(logits, reference, atol=3e-2)


@pytest.mark.skipif(jax.default_backend() != "gpu", reason="cuDNN needs a GPU")
def test_cudnn_matches_scan_outputs_and_gradients():
  x, carry = random_layer_inputs(time=12, batch=4, features=6, hidden=8)
  layers = {name: lstm.LSTMLayer(8, init_scale=0.3, forget_bias=1.0, implementation=name)
            for name in ("scan", "cudnn")}
  params = layers["scan"].init(jax.random.PRNGKey(0), x, carry)["params"]

  def objective(layer):
    def f(params, x):
      (c, h), hs = layer.apply({"params": params}, x, carry)
      return jnp.sum(hs ** 2) + jnp.sum(c) + jnp.sum(h)
    return f(params, x), jax.grad(f, argnums=(0, 1))(params, x)

  expected, actual = objective(layers["scan"]), objective(layers["cudnn"])
  for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
    np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-4)


def test_cudnn_on_cpu_raises_clear_error():
  if jax.default_backend() == "gpu":
    pytest.skip("this machine has a GPU")
  x, carry = random_layer_inputs()
  layer = lstm.LSTMLayer(4, init_scale=0.1, implementation="cudnn")
  with pytest.raises(ValueError, match="needs a GPU"):
    layer.init(jax.random.PRNGKey(0), x, carry)
