"""Perplexity and bits per token from summed negative log-likelihoods.

Metrics are computed from sums over all tokens of a split (never from averages
of per-batch averages), so batching and device count do not change them.
"""

import math


def from_sums(nll_sum: float, tokens: float) -> dict[str, float]:
  """Returns perplexity and bits per token for `nll_sum` nats over `tokens` tokens.

  A perplexity too large for a float (mean NLL of 709.8 nats or more) is reported as inf.
  """
  if tokens <= 0:
    raise ValueError(f"Perplexity needs at least one token, got a count of {tokens}.")
  nll = nll_sum / tokens
  perplexity = math.exp(nll) if nll < 709 else math.inf
  return {"perplexity": perplexity, "bits_per_token": nll / math.log(2)}
