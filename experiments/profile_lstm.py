"""Where the time of one lmjax train step goes: per-op times from a JAX profiler trace.

  python experiments/profile_lstm.py --variant=small --steps=30

Traces `--steps` train steps of the PTB LSTM (synthetic batches, as in
bench_lstm.py), sums the device time of each compiled op, and prints the top
ops with the JAX operation they come from. Writes the table to
experiments/results/profile_lstm_<variant>.txt.
"""

import argparse
import collections
import glob
import gzip
import json
import os
import re
import sys
import tempfile

import jax

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lstm  # pylint: disable=g-import-not-at-top,wrong-import-position

from lmjax.train import loop  # pylint: disable=g-import-not-at-top,wrong-import-position
from lmjax.train import mesh as mesh_lib  # pylint: disable=g-import-not-at-top
from lmjax.train import steps as steps_lib  # pylint: disable=g-import-not-at-top


def op_sources(hlo_text: str) -> dict[str, str]:
  """Maps each HLO instruction name to the JAX op_name in its metadata."""
  sources = {}
  for match in re.finditer(r"%([\w.\-]+) = .*?op_name=\"([^\"]+)\"", hlo_text):
    sources[match.group(1)] = match.group(2)
  return sources


def op_times(trace_dir: str) -> collections.Counter:
  """Returns microseconds per event name summed over a perfetto trace."""
  path = sorted(glob.glob(os.path.join(trace_dir, "**", "*.json.gz"), recursive=True))[-1]
  with gzip.open(path) as f:
    trace = json.load(f)
  events = trace["traceEvents"] if isinstance(trace, dict) else trace
  totals = collections.Counter()
  for event in events:
    if event.get("ph") == "X":
      totals[event["name"]] += event.get("dur", 0)
  return totals


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--variant", default="small", choices=["small", "medium", "large"])
  parser.add_argument("--steps", type=int, default=30)
  parser.add_argument("--top", type=int, default=25)
  args = parser.parse_args()

  config = bench_lstm.ptb_config(args.variant)
  setup = loop.build(bench_lstm.lmjax_task(), config, workdir=None)
  state = loop.jit_init_state(setup)()
  jitted = steps_lib.jit_train_step(setup.task.loss, setup.model, setup.tx, setup.mesh,
                                    setup.state_shardings)
  batch = mesh_lib.put_batch(next(setup.data.train), setup.mesh)
  compiled = jitted.lower(state, batch).compile()
  for _ in range(3):
    state, metrics = compiled(state, batch)
  jax.block_until_ready(metrics)

  with tempfile.TemporaryDirectory() as trace_dir:
    jax.profiler.start_trace(trace_dir, create_perfetto_trace=True)
    for _ in range(args.steps):
      state, metrics = compiled(state, batch)
    jax.block_until_ready(metrics)
    jax.profiler.stop_trace()
    totals = op_times(trace_dir)

  sources = op_sources(compiled.as_text())
  ops = {name: us for name, us in totals.items() if name in sources}
  step_ms = sum(ops.values()) / args.steps / 1000
  lines = [f"PTB {args.variant}: {args.steps} traced steps; compiled ops sum to {step_ms:.1f} ms"
           " per step (ops on two threads can overlap).",
           f"{'ms/step':>8}  {'share':>6}  op  <-  JAX source"]
  for name, us in sorted(ops.items(), key=lambda item: -item[1])[:args.top]:
    ms = us / args.steps / 1000
    lines.append(f"{ms:8.2f}  {ms / step_ms:6.1%}  {name}  <-  {sources[name][-90:]}")
  text = "\n".join(lines)
  print(text)
  out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                     f"profile_lstm_{args.variant}.txt")
  with open(out, "w", encoding="utf-8") as f:
    f.write(text + "\n")


if __name__ == "__main__":
  main()
