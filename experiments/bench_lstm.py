"""Training throughput of the Zaremba PTB LSTM: lmjax against PyTorch and Flax's stock cell.

  python experiments/bench_lstm.py --variants=small,medium

Variants come from configs/ptb_lstm.py: small is 2 x 200 units, unroll 20,
batch 20 and no dropout, and medium is 2 x 650 units, unroll 35, batch 20 and
dropout 0.5. Both use a 10,000-word vocabulary and SGD with learning rate 1 and
global-norm clipping at 5. Every row is a separate worker process, run round-robin within
each round (`--rounds`), so that machine noise affects all rows alike:

  lmjax          the library's jitted train step, built as `lmjax.train.loop` does.
  lmjax-scan     the same with the `lax.scan` recurrence (JAX differentiates it).
  lmjax-bf16     the same with bfloat16 matmul inputs.
  lmjax-unroll1  the same with scan unroll 1 instead of the config's 5.
  lmjax-rbg      the same with the rbg PRNG for dropout masks (bf16-rbg: both).
  pytorch        experiments/torch_reference.py (skipped if torch is missing).
  flax           `nn.RNN(nn.OptimizedLSTMCell)` layers with the same loss and optimizer.

The batches are random ids, so no data is needed: the cost of a step does not
depend on the token values. Each worker compiles, runs `--warmup` steps, then
times `--steps` steps and blocks only after the last one. The parent first
measures the float32 matmul rate of the machine and reports model FLOP/s
against it. It appends a record to <out>/bench_lstm.jsonl and writes the
tables to <out>/bench_lstm.md.
"""

import argparse
import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from lmjax.models import recurrence
from lmjax.tasks import language_model
from lmjax.train import loop
from lmjax.train import mesh as mesh_lib
from lmjax.train import steps as steps_lib
from lmjax.train import task_interface

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_REFERENCE = os.path.join(REPO_ROOT, "experiments", "torch_reference.py")
VOCAB_SIZE = 10_000
MATMUL_SIZE = 2048

# Row name -> (worker, worker flags).
IMPLS: dict[str, tuple[str, dict[str, Any]]] = {
    "lmjax": ("lmjax", {}),
    "lmjax-scan": ("lmjax", {"implementation": "scan"}),
    "lmjax-bf16": ("lmjax", {"dtype": "bfloat16"}),
    "lmjax-unroll1": ("lmjax", {"unroll": 1}),
    "lmjax-rbg": ("lmjax", {"rng_impl": "rbg"}),
    "lmjax-bf16-rbg": ("lmjax", {"dtype": "bfloat16", "rng_impl": "rbg"}),
    "pytorch": ("pytorch", {}),
    "flax": ("flax", {}),
}


def ptb_config(variant: str) -> ml_collections.ConfigDict:
  """Returns `get_config(variant)` of configs/ptb_lstm.py, which is not an installed module."""
  path = os.path.join(REPO_ROOT, "configs", "ptb_lstm.py")
  spec = importlib.util.spec_from_file_location("ptb_lstm", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config(variant)


def model_flops_per_step(config: ml_collections.ConfigDict) -> float:
  """Counts the matmul FLOPs of one training step of the model `config` describes.

  Per token, the forward pass multiplies the input and the recurrent state by
  each layer's `[features, 4 * hidden]` kernels, then the last hidden state by
  the `[hidden, vocab]` softmax. A multiply-add is 2 FLOPs. Training is
  estimated as 3x the forward pass, because the backward pass costs about twice
  the forward. Gate nonlinearities, the embedding lookup and the optimizer are
  left out.
  """
  hidden = config.model.hidden_size
  features = config.model.embed_dim or hidden
  lstm = 0
  for _ in range(config.model.num_layers):
    lstm += features * 4 * hidden + hidden * 4 * hidden
    features = hidden
  forward = 2 * (lstm + hidden * VOCAB_SIZE)
  return 3.0 * forward * config.batch_size * config.num_steps


# ---------------------------------------------------------------------------
# Workers: each runs in its own process and prints one JSON line.
# ---------------------------------------------------------------------------


class SyntheticBatches:
  """Endless random-id batches with the keys, shapes and dtypes of `BPTTIterator`'s.

  A small pool of batches is drawn up front so that random number generation
  stays out of the timed loop. Only the first batch resets the LSTM state.
  """

  def __init__(self, batch_size: int, num_steps: int, vocab_size: int, pool_size: int = 8,
               seed: int = 0):
    rng = np.random.default_rng(seed)
    self.ids = rng.integers(0, vocab_size, (pool_size, batch_size, num_steps + 1), np.int32)
    self.weights = np.ones((batch_size, num_steps), np.float32)
    self.index = 0

  def __iter__(self) -> "SyntheticBatches":
    return self

  def __next__(self) -> dict[str, np.ndarray]:
    ids = self.ids[self.index % len(self.ids)]
    batch = {"inputs": ids[:, :-1], "targets": ids[:, 1:], "weights": self.weights,
             "reset": np.full((ids.shape[0],), self.index == 0)}
    self.index += 1
    return batch

  def state(self) -> dict[str, int]:
    return {"index": self.index}

  def restore(self, state: dict[str, int]) -> None:
    self.index = int(state["index"])


def synthetic_data(config: ml_collections.ConfigDict, workdir: str | None) -> task_interface.Data:
  """Stands in for `language_model.make_data` with random ids and PTB's vocabulary size."""
  del workdir  # Nothing is written: there is no vocabulary to save.
  train = SyntheticBatches(config.batch_size, config.num_steps, VOCAB_SIZE)
  meta = {"vocab_size": VOCAB_SIZE, "steps_per_epoch": 1000, "join": " ", "level": "word"}
  return task_interface.Data(train=train, eval_splits={}, meta=meta)


def time_steps(jitted: Callable, state: Any, next_batch: Callable[[], Any], warmup: int,
               steps: int) -> dict[str, float]:
  """Compiles `jitted`, runs `warmup` steps, then times `steps` steps.

  Only the last timed step is waited for, so host dispatch overlaps device
  work as in a real training loop. Placing each batch on the device is timed
  with the step, as the library's train loop does it every step.
  """
  batch = next_batch()
  start = time.perf_counter()
  compiled = jitted.lower(state, batch).compile()
  compile_seconds = time.perf_counter() - start

  for _ in range(warmup):
    state, _ = compiled(state, batch)
    batch = next_batch()
  jax.block_until_ready(state)

  start = time.perf_counter()
  for _ in range(steps):
    state, metrics = compiled(state, batch)
    batch = next_batch()
  jax.block_until_ready(metrics)
  seconds = time.perf_counter() - start
  return {"compile_seconds": compile_seconds, "seconds": seconds,
          "final_loss": float(metrics["loss"])}


def lmjax_task() -> task_interface.Task:
  """Returns the language-model task on synthetic data."""
  return dataclasses.replace(language_model.TASK, make_data=synthetic_data)


def run_lmjax(args: argparse.Namespace, config: ml_collections.ConfigDict) -> dict:
  """Times lmjax's train step, set up as `loop.build` and `loop.restore_or_init` do."""
  if args.unroll:
    config.model.unroll = args.unroll
  if args.dtype:
    config.model.dtype = args.dtype
  if args.implementation:
    config.model.implementation = args.implementation
  if args.rng_impl:
    config.rng_impl = args.rng_impl
    jax.config.update("jax_default_prng_impl", args.rng_impl)
  setup = loop.build(lmjax_task(), config, workdir=None)
  state = loop.jit_init_state(setup)()
  jitted = steps_lib.jit_train_step(setup.task.loss, setup.model, setup.tx, setup.mesh,
                                    setup.state_shardings)
  timing = time_steps(jitted, state,
                      lambda: mesh_lib.put_batch(next(setup.data.train), setup.mesh),
                      args.warmup, args.steps)
  return dict(timing, unroll=config.model.unroll, dtype=config.model.dtype,
              implementation=setup.model.implementation)


def _symmetric_uniform(scale: float) -> Callable:
  def init(key, shape, dtype=jnp.float32):
    return jax.random.uniform(key, shape, dtype, -scale, scale)
  return init


class StockFlaxLM(nn.Module):
  """Embedding, stacked `nn.RNN(nn.OptimizedLSTMCell)` and a Dense softmax, with dropout."""
  vocab_size: int
  hidden_size: int
  num_layers: int
  dropout_rate: float
  init_scale: float

  @nn.compact
  def __call__(self, inputs: jax.Array, carry: tuple, *, train: bool) -> tuple[jax.Array, tuple]:
    """Maps <int32>[batch, time] ids and per-layer (c, h) to logits and the final carry."""
    init = _symmetric_uniform(self.init_scale)
    dropout = nn.Dropout(self.dropout_rate, deterministic=not train)
    x = dropout(nn.Embed(self.vocab_size, self.hidden_size, embedding_init=init)(inputs))
    new_carry = []
    for layer in range(self.num_layers):
      cell = nn.OptimizedLSTMCell(self.hidden_size, kernel_init=init,
                                  recurrent_kernel_init=init, bias_init=init)
      layer_carry, x = nn.RNN(cell, return_carry=True)(x, initial_carry=carry[layer])
      new_carry.append(layer_carry)
      x = dropout(x)
    logits = nn.Dense(self.vocab_size, kernel_init=init, bias_init=init)(x)
    return logits, tuple(new_carry)


def flax_train_step(state: dict, batch: dict, *, model: StockFlaxLM,
                    tx: optax.GradientTransformation) -> tuple[dict, dict]:
  """Takes one SGD step on the NLL summed over time and averaged over the batch."""
  rng = jax.random.fold_in(state["rng"], state["step"])
  carry = jax.lax.stop_gradient(state["carry"])

  def loss_fn(params):
    logits, new_carry = model.apply({"params": params}, batch["inputs"], carry, train=True,
                                    rngs={"dropout": rng})
    nll = optax.softmax_cross_entropy_with_integer_labels(logits, batch["targets"])
    return jnp.sum(nll) / batch["inputs"].shape[0], new_carry

  (loss, new_carry), grads = jax.value_and_grad(loss_fn, has_aux=True)(state["params"])
  updates, opt_state = tx.update(grads, state["opt_state"], state["params"])
  new_state = dict(state, step=state["step"] + 1, opt_state=opt_state, carry=new_carry,
                   params=optax.apply_updates(state["params"], updates))
  return new_state, {"loss": loss}


def run_flax(args: argparse.Namespace, config: ml_collections.ConfigDict) -> dict:
  """Times a stock Flax LSTM language model of the same size, loss and optimizer."""
  m = config.model
  model = StockFlaxLM(VOCAB_SIZE, m.hidden_size, m.num_layers, m.dropout_rate, m.init_scale)
  tx = optax.chain(optax.clip_by_global_norm(config.optim.grad_clip_norm),
                   optax.sgd(config.optim.learning_rate))
  batches = SyntheticBatches(config.batch_size, config.num_steps, VOCAB_SIZE)
  shape = (config.batch_size, m.hidden_size)
  carry = tuple((jnp.zeros(shape), jnp.zeros(shape)) for _ in range(m.num_layers))

  init_rng, dropout_rng = jax.random.split(jax.random.PRNGKey(config.seed))
  example_inputs = batches.ids[0][:, :-1]
  params = jax.jit(lambda: model.init(init_rng, example_inputs, carry, train=False)["params"])()
  state = {"step": jnp.zeros((), jnp.int32), "params": params, "opt_state": tx.init(params),
           "carry": carry, "rng": dropout_rng}
  step = jax.jit(lambda s, b: flax_train_step(s, b, model=model, tx=tx), donate_argnums=(0,))
  timing = time_steps(step, state, lambda: jax.device_put(next(batches)), args.warmup,
                      args.steps)
  return dict(timing, unroll=1, dtype="float32", implementation="nn.OptimizedLSTMCell")


def run_matmul_peak(args: argparse.Namespace) -> dict:
  """Measures the float32 matmul rate: the best of 3 timings of chained 2048^2 matmuls."""
  key_a, key_b = jax.random.split(jax.random.PRNGKey(0))
  a = jax.random.normal(key_a, (MATMUL_SIZE, MATMUL_SIZE), jnp.float32)
  # Scaling keeps the chained products' magnitude near 1; chaining stops the
  # runtime from overlapping independent matmuls.
  b = jax.random.normal(key_b, (MATMUL_SIZE, MATMUL_SIZE), jnp.float32) / MATMUL_SIZE**0.5
  matmul = jax.jit(jnp.matmul)
  jax.block_until_ready(matmul(a, b))

  best = float("inf")
  for _ in range(3):
    x = a
    start = time.perf_counter()
    for _ in range(args.matmul_repeats):
      x = matmul(x, b)
    jax.block_until_ready(x)
    best = min(best, time.perf_counter() - start)
  gflops = 2 * MATMUL_SIZE**3 * args.matmul_repeats / best / 1e9
  return {"matmul_gflops_per_sec": gflops, "matmul_size": MATMUL_SIZE,
          "matmul_repeats": args.matmul_repeats, **loop.environment()}


def run_worker(args: argparse.Namespace) -> None:
  """Runs the worker `args.worker` and prints its result as one JSON line."""
  if args.worker == "matmul_peak":
    print(json.dumps(run_matmul_peak(args)), flush=True)
    return
  config = ptb_config(args.variant)
  runner = {"lmjax": run_lmjax, "flax": run_flax}[args.worker]
  result = runner(args, config)

  seconds = result.pop("seconds")
  flops = model_flops_per_step(config)
  tokens = args.steps * config.batch_size * config.num_steps
  result.update(
      impl=args.impl or args.worker, variant=args.variant, steps=args.steps,
      warmup=args.warmup, step_ms=1000 * seconds / args.steps,
      tokens_per_sec=tokens / seconds, flops_per_step=flops,
      model_gflops_per_sec=flops * args.steps / seconds / 1e9,
      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
  print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------
# Parent: runs the workers, summarizes and writes the results.
# ---------------------------------------------------------------------------


class WorkerError(RuntimeError):
  """A worker process failed, timed out or printed no JSON result."""


def run_subprocess(command: list[str], timeout: float) -> dict:
  """Runs `command` and returns the last JSON line it printed."""
  try:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          cwd=REPO_ROOT, check=False)
  except subprocess.TimeoutExpired as e:
    raise WorkerError(f"timed out after {timeout:.0f} s (raise --worker_timeout):"
                      f" {' '.join(command)}") from e
  if proc.returncode != 0:
    raise WorkerError(f"exited with status {proc.returncode}: {' '.join(command)}\n"
                      f"{proc.stderr[-3000:]}")
  lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
  if not lines:
    raise WorkerError(f"printed no JSON line: {' '.join(command)}\n{proc.stdout[-2000:]}")
  return json.loads(lines[-1])


def worker_command(impl: str, variant: str, args: argparse.Namespace) -> list[str]:
  """Returns the command line that measures row `impl` on `variant`."""
  worker, options = IMPLS[impl]
  counts = [f"--variant={variant}", f"--steps={args.steps}", f"--warmup={args.warmup}"]
  if worker == "pytorch":
    threads = [f"--threads={args.torch_threads}"] if args.torch_threads else []
    return [sys.executable, TORCH_REFERENCE, *counts, f"--vocab={VOCAB_SIZE}", *threads]
  flags = [f"--{name}={value}" for name, value in options.items()]
  return [sys.executable, os.path.abspath(__file__), f"--worker={worker}", f"--impl={impl}",
          *counts, *flags]


def measure(impl: str, variant: str, round_index: int, args: argparse.Namespace) -> dict:
  """Runs one worker; returns its result, or a record with an `error` field if it failed."""
  try:
    result = run_subprocess(worker_command(impl, variant, args), args.worker_timeout)
  except WorkerError as e:
    print(f"round {round_index + 1}  {variant}  {impl}: FAILED, {e}", flush=True)
    return {"impl": impl, "variant": variant, "round": round_index, "error": str(e)}

  if IMPLS[impl][0] == "pytorch":
    # torch_reference.py reports time only; it has the same sizes as configs/ptb_lstm.py.
    flops = model_flops_per_step(ptb_config(variant))
    result.update(impl=impl, compile_seconds=None, flops_per_step=flops,
                  model_gflops_per_sec=flops / result["step_ms"] * 1000 / 1e9)
  result["round"] = round_index
  compile_text = ("" if result["compile_seconds"] is None
                  else f", compile {result['compile_seconds']:.1f} s")
  print(f"round {round_index + 1}  {variant}  {impl}: {result['tokens_per_sec']:,.0f} tokens/s"
        f" (step {result['step_ms']:.1f} ms{compile_text})", flush=True)
  return result


def run_rounds(impls: list[str], variants: list[str], args: argparse.Namespace) -> list[dict]:
  """Measures every (variant, impl) once per round; the row order rotates each round."""
  runs = []
  for round_index in range(args.rounds):
    order = impls[round_index % len(impls):] + impls[:round_index % len(impls)]
    for variant in variants:
      for impl in order:
        runs.append(measure(impl, variant, round_index, args))
  return runs


def summarize(runs: list[dict], peak_gflops: float) -> dict[str, dict[str, dict]]:
  """Returns, per variant and row, medians over the rounds and the ratio to PyTorch."""
  summary: dict[str, dict[str, dict]] = {}
  for run in runs:
    if "error" not in run:
      rows = summary.setdefault(run["variant"], {})
      rows.setdefault(run["impl"], {"runs": []})["runs"].append(run)

  for rows in summary.values():
    for row in rows.values():
      group = row.pop("runs")
      tokens = [r["tokens_per_sec"] for r in group]
      compiles = [r["compile_seconds"] for r in group if r["compile_seconds"] is not None]
      gflops = statistics.median(r["model_gflops_per_sec"] for r in group)
      row.update(
          rounds=len(group), tokens_per_sec=statistics.median(tokens),
          tokens_per_sec_min=min(tokens), tokens_per_sec_max=max(tokens),
          step_ms=statistics.median(r["step_ms"] for r in group), model_gflops_per_sec=gflops,
          fraction_of_matmul_peak=gflops / peak_gflops,
          compile_seconds=statistics.median(compiles) if compiles else None,
          peak_rss_mb=max(r["peak_rss_mb"] for r in group))
    torch_row = rows.get("pytorch")
    for row in rows.values():
      row["ratio_vs_pytorch"] = (row["tokens_per_sec"] / torch_row["tokens_per_sec"]
                                 if torch_row else None)
  return summary


def markdown_tables(summary: dict, record: dict) -> str:
  """Formats one markdown table per variant, headed by the machine and settings."""
  hardware, settings = record["hardware"], record["settings"]
  lines = [f"# LSTM training throughput, {record['date']}", "",
           f"{hardware['cpu_model']} ({hardware['cpu_count']} CPUs, JAX platform"
           f" {hardware['jax_platform']}); float32 matmul peak"
           f" {record['matmul_peak_gflops']:.1f} GFLOP/s. jax {record['versions']['jax']},"
           f" flax {record['versions']['flax']}, torch {record['versions']['torch']}.",
           f"{settings['steps']} timed steps after {settings['warmup']} warm-up steps,"
           f" medians over {settings['rounds']} round(s); PyTorch on {settings['torch_threads']}"
           f" threads; 1-minute load average {record['load_average_1min_at_start']:.2f} at"
           " the start. Written by experiments/bench_lstm.py.",
           ""]
  header = ("| impl | tokens/s | min-max | step ms | model GFLOP/s | of matmul peak"
            " | compile s | peak RSS MB | vs PyTorch |")
  for variant, rows in summary.items():
    lines += [f"## {variant}", "", header, "|" + "---|" * 9]
    for impl, row in rows.items():
      compile_text = "n/a" if row["compile_seconds"] is None else f"{row['compile_seconds']:.1f}"
      ratio = "n/a" if row["ratio_vs_pytorch"] is None else f"{row['ratio_vs_pytorch']:.2f}x"
      lines.append(
          f"| {impl} | {row['tokens_per_sec']:,.0f} | {row['tokens_per_sec_min']:,.0f}-"
          f"{row['tokens_per_sec_max']:,.0f} | {row['step_ms']:.1f} |"
          f" {row['model_gflops_per_sec']:.1f} | {100 * row['fraction_of_matmul_peak']:.1f}% |"
          f" {compile_text} | {row['peak_rss_mb']:,.0f} | {ratio} |")
    lines.append("")
  return "\n".join(lines)


def cpu_model() -> str:
  """Returns the CPU model name from lscpu, else /proc/cpuinfo, else platform.processor()."""
  try:
    output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    sources = output.splitlines()
  except (OSError, subprocess.CalledProcessError):
    try:
      with open("/proc/cpuinfo", encoding="utf-8") as f:
        sources = f.read().splitlines()
    except OSError:
      sources = []
  for line in sources:
    if line.lower().startswith("model name"):
      return line.split(":", 1)[1].strip()
  return platform.processor() or "unknown"


def describe_hardware(jax_platform: str) -> dict:
  """Describes the machine without naming it: CPU model, CPU count, OS and JAX platform."""
  return {"cpu_model": cpu_model(), "processor": platform.processor(),
          "machine": platform.machine(), "system": platform.system(),
          "cpu_count": os.cpu_count(), "jax_platform": jax_platform}


def package_version(name: str) -> str | None:
  try:
    return importlib.metadata.version(name)
  except importlib.metadata.PackageNotFoundError:
    return None


def write_results(record: dict, markdown: str, out: str) -> None:
  """Appends `record` to <out>/bench_lstm.jsonl and replaces <out>/bench_lstm.md."""
  os.makedirs(out, exist_ok=True)
  with open(os.path.join(out, "bench_lstm.jsonl"), "a", encoding="utf-8") as f:
    f.write(json.dumps(record) + "\n")
  with open(os.path.join(out, "bench_lstm.md"), "w", encoding="utf-8") as f:
    f.write(markdown)
  print(f"Appended to {os.path.join(out, 'bench_lstm.jsonl')}; wrote"
        f" {os.path.join(out, 'bench_lstm.md')}.", flush=True)


def select_impls(names: list[str]) -> list[str]:
  """Drops the PyTorch row, with a message, when torch is not installed."""
  if "pytorch" in names and importlib.util.find_spec("torch") is None:
    print("Skipping pytorch: torch is not installed (pip install -e '.[bench]').", flush=True)
    return [name for name in names if name != "pytorch"]
  return names


def run_benchmark(args: argparse.Namespace) -> dict:
  """Measures the matmul peak, runs every round and writes the record and tables."""
  impls = select_impls(args.impls)
  # Load from other processes skews every row, and PyTorch's most, because its
  # threads wait for each other when another process occupies a core.
  load_at_start = os.getloadavg()[0]
  peak = run_subprocess([sys.executable, os.path.abspath(__file__), "--worker=matmul_peak",
                         f"--matmul_repeats={args.matmul_repeats}"], args.worker_timeout)
  print(f"float32 matmul peak: {peak['matmul_gflops_per_sec']:.1f} GFLOP/s", flush=True)
  runs = run_rounds(impls, args.variants, args)
  summary = summarize(runs, peak["matmul_gflops_per_sec"])

  versions = dict(peak["versions"], torch=package_version("torch"),
                  python=platform.python_version())
  record = {
      "date": peak["date"],
      "hardware": describe_hardware(peak["devices"]["platform"]),
      "versions": versions,
      "settings": {"variants": args.variants, "impls": impls, "steps": args.steps,
                   "warmup": args.warmup, "rounds": args.rounds,
                   "torch_threads": args.torch_threads or os.cpu_count()},
      "load_average_1min_at_start": load_at_start,
      "matmul_peak_gflops": peak["matmul_gflops_per_sec"],
      "runs": runs,
      "summary": summary,
  }
  markdown = markdown_tables(summary, record)
  print("\n" + markdown, flush=True)
  write_results(record, markdown, args.out)
  return record


def comma_list(choices: list[str]) -> Callable[[str], list[str]]:
  """Returns an argparse type that parses 'a,b' and rejects names not in `choices`."""

  def parse(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in choices]
    if unknown or not names:
      raise argparse.ArgumentTypeError(
          f"invalid names {unknown or text!r}; choose from {choices}")
    return names

  return parse


def positive_int(text: str) -> int:
  value = int(text)
  if value < 1:
    raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
  return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])

  # Benchmark flags.
  parser.add_argument("--variants", type=comma_list(["small", "medium", "large"]),
                      default=["small", "medium"],
                      help="Comma-separated variants of configs/ptb_lstm.py.")
  parser.add_argument("--impls", type=comma_list(list(IMPLS)),
                      default=["lmjax", "pytorch", "flax"],
                      help=f"Comma-separated rows to measure, from {list(IMPLS)}.")
  parser.add_argument("--steps", type=positive_int, default=100, help="Timed steps per run.")
  parser.add_argument("--warmup", type=int, default=10, help="Untimed steps after compiling.")
  parser.add_argument("--rounds", type=positive_int, default=3,
                      help="Times every row is measured; tables show the median.")

  # Output and measurement settings.
  parser.add_argument("--out", default=os.path.join(REPO_ROOT, "experiments", "results"),
                      help="Directory for bench_lstm.jsonl (appended) and bench_lstm.md.")
  parser.add_argument("--matmul_repeats", type=positive_int, default=10,
                      help="Chained 2048x2048 matmuls per timing of the matmul peak.")
  parser.add_argument("--torch_threads", type=int, default=0,
                      help="PyTorch intra-op threads; 0 keeps torch_reference.py's default"
                      " (all CPUs).")
  parser.add_argument("--worker_timeout", type=float, default=3600,
                      help="Seconds after which a worker process is stopped and reported failed.")

  # Worker flags, set by the parent.
  parser.add_argument("--worker", choices=["lmjax", "flax", "matmul_peak"],
                      help=argparse.SUPPRESS)
  parser.add_argument("--impl", default="", help=argparse.SUPPRESS)
  parser.add_argument("--variant", default="small", help=argparse.SUPPRESS)
  parser.add_argument("--unroll", type=int, default=0,
                      help="lmjax worker: scan unroll factor; 0 keeps the config's.")
  parser.add_argument("--implementation", default="", choices=["", *recurrence.IMPLEMENTATIONS],
                      help="lmjax worker: LSTM recurrence; empty keeps the library default.")
  parser.add_argument("--rng_impl", default="", choices=["", "threefry2x32", "rbg", "unsafe_rbg"],
                      help="lmjax worker: PRNG for dropout; empty keeps the config's.")
  parser.add_argument("--dtype", default="", choices=["", *language_model.DTYPES],
                      help="lmjax worker: matmul input dtype; empty keeps the config's.")
  args = parser.parse_args(argv)

  if args.warmup < 0:
    parser.error(f"--warmup must be >= 0, got {args.warmup}")
  return args


def main() -> None:
  args = parse_args()
  if args.worker:
    run_worker(args)
  else:
    run_benchmark(args)


if __name__ == "__main__":
  main()
