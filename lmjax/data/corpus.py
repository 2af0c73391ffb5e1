"""Language-modelling corpora: token streams per split and their vocabulary.

Each corpus becomes one int32 token stream per split. Word-level corpora append
`<eos>` to every line, as in Mikolov's and Zaremba's PTB setup; character-level
corpora keep the newlines as characters. The vocabulary is built from the
training split only, and unknown tokens in other splits map to `<unk>`.
"""

import collections
import dataclasses
import os
from typing import Callable, Iterable

import ml_collections
import numpy as np

from lmjax.data import text
from lmjax.data import vocab as vocab_lib

PTB_HINT = ("PTB is the ptb.{train,valid,test}.txt of Mikolov's simple-examples"
            " archive; put it under <data dir>/ptb/ or point --config.data.dir"
            " or LMJAX_DATA_DIR at a folder that has it.")


@dataclasses.dataclass(frozen=True)
class Corpus:
  """Token ids per split (e.g. train, valid, test) and the vocabulary."""
  splits: dict[str, np.ndarray]
  vocab: vocab_lib.Vocab
  join: str  # Separator of decoded tokens in text: " " for words, "" for characters.
  sources: dict[str, str]  # The file each split came from, for error messages.


def word_tokens(lines: Iterable[str]) -> Iterable[str]:
  for line in lines:
    yield from line.split()
    yield vocab_lib.EOS


def strip_pos_tags(line: str) -> list[str]:
  """Returns the words of a People's Daily line `word/tag  word/tag ...`."""
  return [item.rsplit("/", 1)[0] for item in line.split()]


def _split_by_fraction(items: list, valid_fraction: float, test_fraction: float) -> dict:
  """Splits a sequence contiguously: train first, then valid, then test."""
  n = len(items)
  n_test = int(round(n * test_fraction))
  n_valid = int(round(n * valid_fraction))
  n_train = n - n_valid - n_test
  splits = {"train": items[:n_train], "valid": items[n_train:n_train + n_valid]}
  if test_fraction > 0:
    splits["test"] = items[n_train + n_valid:]
  return splits


def _ptb(config: ml_collections.ConfigDict) -> tuple[dict, dict, str]:
  root = os.path.join(text.resolve_data_dir(config.dir), "ptb")
  sources = {s: text.require_file(os.path.join(root, f"ptb.{s}.txt"), PTB_HINT)
             for s in ("train", "valid", "test")}
  tokens = {s: list(word_tokens(text.read_lines(p))) for s, p in sources.items()}
  return tokens, sources, " "


def _tinyshakespeare(config: ml_collections.ConfigDict) -> tuple[dict, dict, str]:
  path = text.require_file(
      os.path.join(text.resolve_data_dir(config.dir), "tinyshakespeare", "input.txt"),
      "It is Karpathy's char-rnn tinyshakespeare/input.txt.")
  tokens = _split_by_fraction(list(text.read_text(path)), config.valid_fraction,
                              config.test_fraction)
  return tokens, {s: path for s in tokens}, ""


def _peoples_daily(config: ml_collections.ConfigDict) -> tuple[dict, dict, str]:
  path = text.peoples_daily_path()
  # Split by line (paragraph) so no paragraph straddles two splits.
  lines = [line for line in text.read_lines(path) if line.strip()]
  by_split = _split_by_fraction(lines, config.valid_fraction, config.test_fraction)
  def line_tokens(line: str) -> list[str]:
    words = strip_pos_tags(line)
    return (list("".join(words)) if config.level == "char" else words) + [vocab_lib.EOS]

  tokens = {s: [t for line in ls for t in line_tokens(line)] for s, ls in by_split.items()}
  return tokens, {s: path for s in tokens}, ""


def _files(config: ml_collections.ConfigDict) -> tuple[dict, dict, str]:
  """Any corpus given as one file per split, relative to the data root."""
  root = text.resolve_data_dir(config.dir)
  sources = {s: text.require_file(os.path.join(root, f)) for s, f in config.files.items()}
  if config.level == "char":
    tokens = {s: list(text.read_text(p)) for s, p in sources.items()}
    return tokens, sources, ""
  tokens = {s: list(word_tokens(text.read_lines(p))) for s, p in sources.items()}
  return tokens, sources, " "


CORPORA: dict[str, Callable] = {
    "ptb": _ptb,
    "tinyshakespeare": _tinyshakespeare,
    "peoples_daily": _peoples_daily,
    "files": _files,
}


def load(config: ml_collections.ConfigDict) -> Corpus:
  """Reads the corpus `config.name` and encodes every split.

  Raises:
    KeyError: for an unknown corpus name (the message lists the known ones).
    FileNotFoundError: for a missing file (the message names the path it tried).
    ValueError: for an empty split or invalid UTF-8 (naming file and line).
  """
  if config.name not in CORPORA:
    raise KeyError(f"Unknown corpus {config.name!r}; known corpora: {sorted(CORPORA)}")
  tokens, sources, join = CORPORA[config.name](config)

  for split, split_tokens in tokens.items():
    if not split_tokens:
      raise ValueError(f"Split {split!r} of corpus {config.name!r} ({sources[split]})"
                       " contains no tokens.")
  if "train" not in tokens:
    raise ValueError(f"Corpus {config.name!r} has no 'train' split; it has {sorted(tokens)}.")

  specials = [vocab_lib.EOS] if vocab_lib.EOS in tokens["train"] else []
  vocab = vocab_lib.Vocab.build(collections.Counter(tokens["train"]), specials=specials,
                                max_size=config.max_vocab_size, min_count=config.min_count)
  splits = {s: vocab.encode(t) for s, t in tokens.items()}
  if config.max_tokens:
    splits = {s: ids[:config.max_tokens] for s, ids in splits.items()}
  return Corpus(splits=splits, vocab=vocab, join=join, sources=sources)
