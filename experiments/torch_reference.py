"""PyTorch reference of the Zaremba PTB language model, for side-by-side timing.

nn.Embedding + nn.LSTM + nn.Linear with SGD and global-norm clipping, the loss
summed over time and averaged over the batch as in lmjax. Run as a separate
process by `bench_lstm.py`; prints one JSON line.

  python experiments/torch_reference.py --variant=small --steps=200 --warmup=20
"""

import argparse
import json
import os
import resource
import time

import numpy as np
import torch
from torch import nn

VARIANTS = {
    "small": dict(hidden=200, num_steps=20, batch=20, dropout=0.0, init=0.1),
    "medium": dict(hidden=650, num_steps=35, batch=20, dropout=0.5, init=0.05),
    "large": dict(hidden=1500, num_steps=35, batch=20, dropout=0.65, init=0.04),
}


class Model(nn.Module):

  def __init__(self, vocab: int, hidden: int, dropout: float, init: float):
    super().__init__()
    self.embedding = nn.Embedding(vocab, hidden)
    self.lstm = nn.LSTM(hidden, hidden, num_layers=2, dropout=dropout)
    self.dropout = nn.Dropout(dropout)
    self.decoder = nn.Linear(hidden, vocab)
    for p in self.parameters():
      nn.init.uniform_(p, -init, init)

  def forward(self, ids, state):
    x = self.dropout(self.embedding(ids))
    x, state = self.lstm(x, state)
    return self.decoder(self.dropout(x)), state


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("--variant", default="small", choices=sorted(VARIANTS))
  parser.add_argument("--steps", type=int, default=200)
  parser.add_argument("--warmup", type=int, default=20)
  parser.add_argument("--vocab", type=int, default=10000)
  parser.add_argument("--threads", type=int, default=os.cpu_count())
  args = parser.parse_args()
  torch.set_num_threads(args.threads)
  torch.manual_seed(0)
  v = VARIANTS[args.variant]

  model = Model(args.vocab, v["hidden"], v["dropout"], v["init"])
  model.train()
  opt = torch.optim.SGD(model.parameters(), lr=1.0)
  loss_fn = nn.CrossEntropyLoss(reduction="sum")
  rng = np.random.default_rng(0)
  # Time-major batches of random ids: the cost does not depend on the values.
  data = torch.from_numpy(rng.integers(0, args.vocab, (args.warmup + args.steps + 1,
                                                       v["num_steps"] + 1, v["batch"])))
  state = tuple(torch.zeros(2, v["batch"], v["hidden"]) for _ in range(2))

  def step(i, state):
    inputs, targets = data[i, :-1], data[i, 1:]
    state = tuple(s.detach() for s in state)
    logits, state = model(inputs, state)
    loss = loss_fn(logits.reshape(-1, args.vocab), targets.reshape(-1)) / v["batch"]
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return state, loss.detach()

  for i in range(args.warmup):
    state, loss = step(i, state)
  start = time.perf_counter()
  for i in range(args.warmup, args.warmup + args.steps):
    state, loss = step(i, state)
  loss.item()
  seconds = time.perf_counter() - start
  print(json.dumps({
      "impl": "pytorch", "variant": args.variant, "steps": args.steps,
      "step_ms": 1000 * seconds / args.steps,
      "tokens_per_sec": args.steps * v["batch"] * v["num_steps"] / seconds,
      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      "torch": torch.__version__, "threads": args.threads,
  }))


if __name__ == "__main__":
  main()
