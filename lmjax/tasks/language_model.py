"""Word- and character-level LSTM language modelling with truncated BPTT.

The training loss is Zaremba et al.'s (2014): the token NLL summed over the
unrolled time steps and averaged over the batch rows. So an SGD learning rate
of 1 and a gradient clip of 5 mean what they mean in that paper. Reported metrics are per
token (perplexity, bits per token) from summed NLL and token counts.
"""

import functools
import json
import os
import sys

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging

from lmjax.data import bptt
from lmjax.data import corpus as corpus_lib
from lmjax.data import vocab as vocab_lib
from lmjax.decoding import sampling
from lmjax.evaluation import perplexity
from lmjax.models import lstm
from lmjax.train import task_interface as base
from lmjax.train import loop

VOCAB_FILE = "vocab.json"
META_FILE = "data_meta.json"
DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def make_data(config: ml_collections.ConfigDict, workdir: str | None) -> base.Data:
  corpus = corpus_lib.load(config.data)
  shard = dict(process_index=jax.process_index(), process_count=jax.process_count())
  train = bptt.BPTTIterator(corpus.splits["train"], config.batch_size, config.num_steps,
                            **shard)
  eval_num_steps = config.eval_num_steps or config.num_steps
  eval_splits = {
      split: functools.partial(bptt.eval_batches, ids, config.eval_batch_size, eval_num_steps,
                               **shard)
      for split, ids in corpus.splits.items() if split != "train"}
  meta = {"vocab_size": len(corpus.vocab), "steps_per_epoch": train.steps_per_epoch,
          "join": corpus.join, "level": config.data.level}
  logging.info("Corpus %s: %s tokens; vocabulary %d; %d steps per epoch.", config.data.name,
               ", ".join(f"{s} {len(ids):,}" for s, ids in corpus.splits.items()),
               len(corpus.vocab), train.steps_per_epoch)
  if workdir:
    save_vocab(corpus.vocab, meta, workdir)
  return base.Data(train=train, eval_splits=eval_splits, meta=meta)


def save_vocab(vocab: vocab_lib.Vocab, meta: dict, workdir: str) -> None:
  """Writes the vocabulary and data facts for inference, or checks them on resume.

  Raises:
    ValueError: if the workdir already has a different vocabulary; nothing is
      overwritten, so the run there stays usable.
  """
  path = os.path.join(workdir, VOCAB_FILE)
  if os.path.isfile(path):
    saved = vocab_lib.Vocab.load(path)
    if saved.tokens != vocab.tokens:
      pairs = enumerate(zip(saved.tokens, vocab.tokens, strict=False))
      first = next((i for i, (a, b) in pairs if a != b), min(len(saved), len(vocab)))
      raise ValueError(
          f"{path} differs from the vocabulary of this config's corpus (sizes {len(saved)}"
          f" and {len(vocab)}; first difference at id {first}). Use a new --workdir, or the"
          " data settings this workdir was trained with.")
    return
  if jax.process_index() == 0:
    os.makedirs(workdir, exist_ok=True)
    vocab.save(path)
    loop.write_json(os.path.join(workdir, META_FILE), meta)


def load_meta(config: ml_collections.ConfigDict, workdir: str) -> dict:
  path = os.path.join(workdir, META_FILE)
  if not os.path.isfile(path):
    raise FileNotFoundError(f"{path} not found: is {workdir} the workdir of a training run?")
  with open(path, encoding="utf-8") as f:
    return json.load(f)


def make_model(config: ml_collections.ConfigDict, meta: dict) -> lstm.LSTMLanguageModel:
  m = config.model
  if m.dtype not in DTYPES:
    raise ValueError(f"Unknown config.model.dtype {m.dtype!r}; known: {sorted(DTYPES)}")
  return lstm.LSTMLanguageModel(
      vocab_size=meta["vocab_size"], embed_dim=m.embed_dim or m.hidden_size,
      hidden_size=m.hidden_size, num_layers=m.num_layers, dropout_rate=m.dropout_rate,
      tie_embeddings=m.tie_embeddings, init_scale=m.init_scale, forget_bias=m.forget_bias,
      dtype=DTYPES[m.dtype], unroll=m.unroll, implementation=m.implementation)


def init_carry(model: lstm.LSTMLanguageModel, batch_size: int):
  return model.initial_carry(batch_size)


def loss(params, batch: base.Batch, carry, rng, model: lstm.LSTMLanguageModel, train: bool):
  """Returns the BPTT loss and (summed NLL and token count, the final LSTM state)."""
  reset = batch["reset"][:, None]
  carry = jax.tree.map(lambda x: jnp.where(reset, jnp.zeros_like(x), x), carry)
  rngs = {"dropout": rng} if train else {}
  logits, new_carry = model.apply({"params": params}, batch["inputs"], carry, train=train,
                                  rngs=rngs)

  nll = optax.softmax_cross_entropy_with_integer_labels(logits, batch["targets"])
  nll_sum = jnp.sum(nll * batch["weights"])
  metrics = {"nll_sum": nll_sum, "tokens": jnp.sum(batch["weights"])}
  value = nll_sum / batch["inputs"].shape[0]
  return value, (metrics, new_carry)


def summarize(sums: dict[str, float]) -> dict[str, float]:
  return perplexity.from_sums(sums["nll_sum"], sums["tokens"])


def example_batch(config: ml_collections.ConfigDict, meta: dict, batch_size: int) -> base.Batch:
  shape = (batch_size, config.num_steps)
  return {"inputs": np.zeros(shape, np.int32), "targets": np.zeros(shape, np.int32),
          "weights": np.ones(shape, np.float32), "reset": np.ones((batch_size,), bool)}


def generate(config: ml_collections.ConfigDict, workdir: str) -> list[str]:
  """Samples continuations of `config.generate.prompt` from the latest checkpoint."""
  meta = load_meta(config, workdir)
  vocab = vocab_lib.Vocab.load(os.path.join(workdir, VOCAB_FILE))
  model, params, step = loop.restore_params(TASK, config, workdir, meta)
  g = config.generate
  check_generate_config(g, len(vocab))

  tokens = sampling.tokenize_prompt(g.prompt, vocab.index, meta["join"], meta["level"])
  unknown = [t for t in tokens if t not in vocab.index]
  if unknown and vocab.unk is None:
    raise ValueError(f"Prompt tokens {unknown} are not in the vocabulary.")
  if unknown:
    logging.warning("Prompt tokens not in the vocabulary, read as %s: %s", vocab.unk, unknown)
  prompt_ids = vocab.encode(tokens) if tokens else vocab.encode([vocab_lib.EOS])
  ids = sampling.sample(model, params, sampling.as_batch(prompt_ids, g.num_samples),
                        jax.random.PRNGKey(g.seed), num_tokens=g.num_tokens,
                        temperature=g.temperature, top_k=g.top_k)

  texts = []
  for row in np.asarray(ids):
    words = [("\n" if t == vocab_lib.EOS and meta["level"] != "char" else t)
             for t in vocab.decode(row)]
    text = g.prompt + meta["join"] + meta["join"].join(words)
    texts.append(text.replace(" \n ", "\n").replace(" \n", "\n"))
  logging.info("Sampled %d x %d tokens from checkpoint %d (temperature %g, top-k %d).",
               g.num_samples, g.num_tokens, step, g.temperature, g.top_k)
  for text in texts:
    sys.stdout.write(text.strip() + "\n\n")
  sys.stdout.flush()
  return texts


def check_generate_config(g: ml_collections.ConfigDict, vocab_size: int) -> None:
  """Raises ValueError naming the first invalid `config.generate` field."""
  if g.temperature < 0:
    raise ValueError(f"config.generate.temperature must be >= 0 (0 is greedy), got"
                     f" {g.temperature}.")
  if not 0 <= g.top_k <= vocab_size:
    raise ValueError(f"config.generate.top_k must be in [0, {vocab_size}] (the vocabulary"
                     f" size; 0 disables it), got {g.top_k}.")
  for field in ("num_tokens", "num_samples"):
    if g[field] < 1:
      raise ValueError(f"config.generate.{field} must be >= 1, got {g[field]}.")


TASK = base.Task(
    name="language_model",
    make_data=make_data,
    make_model=make_model,
    loss=loss,
    init_carry=init_carry,
    summarize=summarize,
    example_batch=example_batch,
    load_meta=load_meta,
    modes={"generate": generate},
    tokens_key="tokens",
)


def default_config() -> ml_collections.ConfigDict:
  """Returns the language-model config with every field, at Zaremba's small settings."""
  from lmjax.train import optim  # pylint: disable=g-import-not-at-top

  config = ml_collections.ConfigDict()
  config.task = "language_model"
  config.name = ""  # Set by each config file to 'file:variant', for results.
  config.seed = 0
  # PRNG for dropout masks: threefry2x32 (default; identical across device counts),
  # rbg or unsafe_rbg (cheaper on some backends).
  config.rng_impl = "threefry2x32"
  config.batch_size = 20  # Parallel BPTT rows, over all devices.
  config.num_steps = 20  # Truncated-BPTT length (unrolled time steps).
  config.eval_batch_size = 10  # Rows of the evaluation stream; 1 is fully sequential.
  config.eval_num_steps = 0  # Time steps per evaluation batch; 0 uses num_steps.
  config.num_epochs = 13
  config.num_train_steps = 0  # If > 0, train this many steps instead of num_epochs.
  config.log_every_steps = 200
  config.eval_every_steps = 0  # 0 evaluates once per epoch.
  config.checkpoint_every_steps = 0  # 0 saves once per epoch.
  config.max_checkpoints_to_keep = 2
  config.eval_during_training = ("valid",)

  config.data = ml_collections.ConfigDict()
  config.data.name = "ptb"  # ptb, tinyshakespeare, peoples_daily or files.
  config.data.dir = ""  # Data root; empty uses $LMJAX_DATA_DIR.
  config.data.level = "word"  # word or char.
  config.data.files = ml_collections.ConfigDict()  # For name=files: split -> path under dir.
  config.data.max_vocab_size = 0  # 0 keeps every training token type.
  config.data.min_count = 1  # Rarer training tokens become <unk>.
  config.data.valid_fraction = 0.05  # For single-file corpora, split contiguously.
  config.data.test_fraction = 0.05
  config.data.max_tokens = 0  # If > 0, keep only the first tokens of each split (smoke runs).

  config.model = ml_collections.ConfigDict()
  config.model.embed_dim = 0  # 0 uses hidden_size.
  config.model.hidden_size = 200
  config.model.num_layers = 2
  config.model.dropout_rate = 0.0  # On embeddings, between layers and before the softmax.
  config.model.tie_embeddings = False
  config.model.init_scale = 0.1  # Uniform init in [-init_scale, init_scale]; 0: Flax defaults.
  config.model.forget_bias = 0.0
  config.model.dtype = "float32"  # Matmul inputs: float32 or bfloat16 (float32 accumulation).
  config.model.unroll = 5  # Scan unroll factor of the LSTM layers.
  config.model.implementation = "custom_vjp"  # LSTM recurrence: custom_vjp, scan or cudnn (GPU).

  config.optim = optim.default_config()
  config.optim.optimizer = "sgd"
  config.optim.learning_rate = 1.0
  config.optim.grad_clip_norm = 5.0
  config.optim.schedule = "epoch_decay"
  config.optim.decay_rate = 0.5
  config.optim.decay_after_epochs = 4

  config.generate = ml_collections.ConfigDict()
  config.generate.prompt = ""  # Empty starts from <eos>, i.e. a new sentence.
  config.generate.num_tokens = 50
  config.generate.temperature = 1.0  # 0 is greedy.
  config.generate.top_k = 0  # 0 samples from the whole vocabulary.
  config.generate.num_samples = 1
  config.generate.seed = 0
  return config
