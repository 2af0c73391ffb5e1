"""Reproduces Zaremba et al. (2014), small non-regularized LSTM on PTB, and records it.

  python experiments/ptb_small.py --run            # train (about 35 min on 2 CPU cores)
  python experiments/ptb_small.py                  # only record an existing run

Trains `configs/ptb_lstm.py:small` with `python -m lmjax.main` in a subprocess
(unless the workdir already has results), then writes
`experiments/results/ptb_lstm_small.json` (the run's results.json, per-epoch
perplexities, the command, the hardware and the end-to-end wall time) and a
PNG plot of train and valid perplexity by epoch against the paper's final numbers.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CONFIG = "configs/ptb_lstm.py:small"
# Zaremba, Sutskever and Vinyals (2014), "Recurrent Neural Network Regularization", Table 1.
PAPER = {"valid_perplexity": 120.7, "test_perplexity": 114.5}


def cpu_model() -> str:
  try:
    with open("/proc/cpuinfo", encoding="utf-8") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or "unknown"


def train(workdir: str) -> tuple[list[str], float]:
  command = [sys.executable, "-m", "lmjax.main", f"--config={CONFIG}", f"--workdir={workdir}"]
  start = time.time()
  subprocess.run(command, cwd=REPO, check=True)
  return command, time.time() - start


def per_epoch(workdir: str) -> list[dict]:
  """Returns the per-epoch records that the loop writes at each evaluation."""
  rows = []
  with open(os.path.join(workdir, "metrics.jsonl"), encoding="utf-8") as f:
    for line in f:
      record = json.loads(line)
      if "epoch" in record:
        rows.append({"epoch": record["epoch"],
                     "train_perplexity": record["train_epoch/perplexity"],
                     "valid_perplexity": record["valid/perplexity"]})
  return rows


def plot(epochs: list[dict], results: dict, path: str) -> None:
  x = [e["epoch"] for e in epochs]
  fig, ax = plt.subplots(figsize=(7, 4.5))
  ax.plot(x, [e["train_perplexity"] for e in epochs], "o-", label="lmjax train")
  ax.plot(x, [e["valid_perplexity"] for e in epochs], "s-", label="lmjax valid")
  ax.axhline(PAPER["valid_perplexity"], color="C1", ls="--", lw=1,
             label=f"paper valid {PAPER['valid_perplexity']}")
  ax.axhline(PAPER["test_perplexity"], color="C2", ls="--", lw=1,
             label=f"paper test {PAPER['test_perplexity']}")
  test = results["metrics"]["test"]["perplexity"]
  ax.plot([x[-1]], [test], "D", color="C2", label=f"lmjax test {test:.1f}")
  ax.set_yscale("log")
  ax.set_xlabel("epoch")
  ax.set_ylabel("perplexity")
  ax.set_title("PTB, Zaremba small LSTM (2 x 200, no dropout)")
  ax.grid(True, which="both", alpha=0.3)
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=110)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", default=os.path.join(HERE, "runs", "ptb_small"))
  parser.add_argument("--run", action="store_true", help="train first (resumes if interrupted)")
  parser.add_argument("--wall_seconds", type=float, default=0.0,
                      help="end-to-end wall time of a run made outside this script")
  args = parser.parse_args()

  command = [sys.executable, "-m", "lmjax.main", f"--config={CONFIG}", f"--workdir={args.workdir}"]
  wall = args.wall_seconds
  if args.run:
    command, wall = train(args.workdir)
  with open(os.path.join(args.workdir, "results.json"), encoding="utf-8") as f:
    results = json.load(f)

  epochs = per_epoch(args.workdir)
  os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
  plot(epochs, results, os.path.join(HERE, "results", "ptb_lstm_small.png"))
  record = {
      "name": "ptb_lstm_small",
      "command": "python -m lmjax.main " + " ".join(command[3:]).replace(REPO + "/", ""),
      "paper": PAPER,
      "valid_perplexity": results["metrics"]["valid"]["perplexity"],
      "test_perplexity": results["metrics"]["test"]["perplexity"],
      "end_to_end_wall_seconds": wall or results["wall_seconds"],
      "hardware": {"cpu": cpu_model(), "cpu_count": os.cpu_count()},
      "per_epoch": epochs,
      "results": results,
  }
  with open(os.path.join(HERE, "results", "ptb_lstm_small.json"), "w", encoding="utf-8") as f:
    json.dump(record, f, indent=2)
  print(f"| Zaremba small, PTB | {PAPER['valid_perplexity']} / {PAPER['test_perplexity']} |"
        f" {record['valid_perplexity']:.1f} / {record['test_perplexity']:.1f} |"
        f" {cpu_model()}, {os.cpu_count()} cores |"
        f" {record['end_to_end_wall_seconds'] / 60:.1f} min | `{record['command']}` |")


if __name__ == "__main__":
  main()
