import math

import ml_collections
import pytest

from lmjax.tasks import language_model


def test_summarize_is_exact_per_token():
  metrics = language_model.summarize({"nll_sum": 6.0, "tokens": 3.0})
  assert metrics["perplexity"] == pytest.approx(math.exp(2.0))
  assert metrics["bits_per_token"] == pytest.approx(2.0 / math.log(2))


def test_summarize_reports_overflow_as_infinity():
  assert language_model.summarize({"nll_sum": 1e4, "tokens": 1.0})["perplexity"] == math.inf


@pytest.mark.parametrize("field,value,message", [
    ("temperature", -1.0, "temperature must be >= 0"),
    ("top_k", 101, r"top_k must be in \[0, 100\]"),
    ("num_samples", 0, "num_samples must be >= 1"),
    ("num_tokens", 0, "num_tokens must be >= 1"),
])
def test_invalid_generate_options_are_rejected(field, value, message):
  config = ml_collections.ConfigDict(language_model.default_config().generate.to_dict())
  config[field] = value
  with pytest.raises(ValueError, match=message):
    language_model.check_generate_config(config, vocab_size=100)
