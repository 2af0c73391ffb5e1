import math

import numpy as np
import pytest

from lmjax.evaluation import perplexity


def test_matches_mean_of_token_log_probabilities():
  probabilities = np.array([0.5, 0.25, 0.1, 0.9])
  metrics = perplexity.from_sums(float(-np.log(probabilities).sum()), len(probabilities))
  assert metrics["perplexity"] == pytest.approx(float(np.prod(probabilities) ** -0.25))
  assert metrics["bits_per_token"] == pytest.approx(float(-np.log2(probabilities).mean()))


def test_sums_combine_exactly_across_batches():
  whole = perplexity.from_sums(10.0 + 2.0, 4 + 1)
  assert whole["perplexity"] == pytest.approx(math.exp(12.0 / 5))


def test_overflow_is_infinity():
  assert perplexity.from_sums(1e6, 1)["perplexity"] == math.inf


def test_zero_tokens_is_rejected():
  with pytest.raises(ValueError, match="at least one token"):
    perplexity.from_sums(0.0, 0)
