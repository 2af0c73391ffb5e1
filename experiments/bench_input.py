"""Tokens per second that the lmjax PTB input pipeline delivers on its own.

  LMJAX_DATA_DIR=/path/to/data python experiments/bench_input.py \
      --train_tokens_per_sec=3000

Times `lmjax.data.corpus.load` on PTB, then one epoch of
`lmjax.data.bptt.BPTTIterator` batches on the host, then one epoch with every
batch also placed on the device by `lmjax.train.mesh.put_batch`, as the train
loop does. Given the train step's tokens/s (from bench_lstm.py), it prints how
many times faster the input is than training; above 1, input is not the
bottleneck. It appends a record to <out>/bench_input.jsonl.
"""

import argparse
import json
import os
import platform
import time

import jax

from lmjax.data import bptt
from lmjax.data import corpus as corpus_lib
from lmjax.train import loop
from lmjax.train import mesh as mesh_lib

# experiments/ is the script's directory, so it is on sys.path.
import bench_lstm


def time_host_epoch(iterator: bptt.BPTTIterator) -> float:
  """Returns the seconds that one epoch of numpy batches takes."""
  start = time.perf_counter()
  for _ in range(iterator.steps_per_epoch):
    next(iterator)
  return time.perf_counter() - start


def time_device_epoch(iterator: bptt.BPTTIterator, mesh: jax.sharding.Mesh) -> float:
  """Returns the seconds that one epoch of batches placed on the device takes.

  Only the last batch is waited for, as in the train loop, where transfers
  overlap the steps.
  """
  start = time.perf_counter()
  batch = None
  for _ in range(iterator.steps_per_epoch):
    batch = mesh_lib.put_batch(next(iterator), mesh)
  jax.block_until_ready(batch)
  return time.perf_counter() - start


def measure(args: argparse.Namespace) -> dict:
  """Loads the corpus and times both epochs; returns the numbers for the record."""
  config = bench_lstm.ptb_config(args.variant)
  if args.data_dir:
    config.data.dir = args.data_dir
  start = time.perf_counter()
  corpus = corpus_lib.load(config.data)
  load_seconds = time.perf_counter() - start

  def new_iterator():
    return bptt.BPTTIterator(corpus.splits["train"], config.batch_size, config.num_steps)

  tokens = new_iterator().tokens_per_epoch
  host_seconds = time_host_epoch(new_iterator())
  device_seconds = time_device_epoch(new_iterator(), mesh_lib.make_mesh())
  result = {
      "variant": args.variant, "batch_size": config.batch_size, "num_steps": config.num_steps,
      "corpus_tokens": {split: len(ids) for split, ids in corpus.splits.items()},
      "vocab_size": len(corpus.vocab), "load_seconds": load_seconds,
      "epoch_tokens": tokens, "steps_per_epoch": new_iterator().steps_per_epoch,
      "host_tokens_per_sec": tokens / host_seconds,
      "device_tokens_per_sec": tokens / device_seconds,
      "train_tokens_per_sec": args.train_tokens_per_sec or None,
  }
  if args.train_tokens_per_sec:
    result["host_ratio_to_train"] = result["host_tokens_per_sec"] / args.train_tokens_per_sec
    result["device_ratio_to_train"] = result["device_tokens_per_sec"] / args.train_tokens_per_sec
  return result


def report(result: dict) -> None:
  print(f"Corpus load: {result['load_seconds']:.2f} s ({result['vocab_size']:,} types).")
  print(f"One epoch, {result['epoch_tokens']:,} tokens in {result['steps_per_epoch']:,} batches"
        f" of {result['batch_size']} x {result['num_steps']}:")
  for where in ("host", "device"):
    line = f"  {where:6}  {result[f'{where}_tokens_per_sec']:,.0f} tokens/s"
    if result["train_tokens_per_sec"]:
      line += (f", {result[f'{where}_ratio_to_train']:,.1f}x the train step's"
               f" {result['train_tokens_per_sec']:,.0f} tokens/s")
    print(line)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--variant", default="small", choices=["small", "medium", "large"],
                      help="Variant of configs/ptb_lstm.py; sets batch size and unroll length.")
  parser.add_argument("--data_dir", default="",
                      help="Data root containing ptb/; empty uses $LMJAX_DATA_DIR.")
  parser.add_argument("--train_tokens_per_sec", type=float, default=0.0,
                      help="Train-step tokens/s to compare with (e.g. from bench_lstm.py).")
  parser.add_argument("--out", default=os.path.join(bench_lstm.REPO_ROOT, "experiments",
                                                    "results"),
                      help="Directory for bench_input.jsonl (appended).")
  args = parser.parse_args()

  result = measure(args)
  report(result)
  environment = loop.environment()
  record = dict(result, date=environment["date"], versions=environment["versions"],
                python=platform.python_version(),
                hardware=bench_lstm.describe_hardware(environment["devices"]["platform"]),
                load_average_1min=os.getloadavg()[0])
  os.makedirs(args.out, exist_ok=True)
  path = os.path.join(args.out, "bench_input.jsonl")
  with open(path, "a", encoding="utf-8") as f:
    f.write(json.dumps(record) + "\n")
  print(f"Appended to {path}.")


if __name__ == "__main__":
  main()
