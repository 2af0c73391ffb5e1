"""Token vocabularies: built from training text, saved beside a run for inference."""

import collections
import json
import os
from typing import Iterable, Sequence

import numpy as np

UNK = "<unk>"
EOS = "<eos>"


class Vocab:
  """A bijection between tokens and ids, with an optional unknown token."""

  def __init__(self, tokens: Sequence[str], unk: str | None = UNK):
    self.tokens = list(tokens)
    self.index = {token: i for i, token in enumerate(self.tokens)}
    if len(self.index) != len(self.tokens):
      duplicates = [t for t, n in collections.Counter(self.tokens).items() if n > 1]
      raise ValueError(f"Vocabulary has duplicate tokens: {duplicates[:10]}")
    if unk is not None and unk not in self.index:
      raise ValueError(f"Unknown token {unk!r} is not in the vocabulary.")
    self.unk = unk

  @classmethod
  def build(cls, counts: collections.Counter, *, specials: Sequence[str] = (),
            max_size: int = 0, min_count: int = 1, unk: str | None = UNK) -> "Vocab":
    """Builds a vocabulary of the most frequent tokens, ties broken by token.

    Args:
      counts: token frequencies in the training text.
      specials: tokens placed first, whatever their counts (e.g. `<eos>`).
      max_size: maximum size including specials and `unk`; 0 means no limit.
      min_count: tokens seen fewer times are left out (mapped to `unk`).
      unk: the unknown token, added if the text does not contain it; None
        builds a closed vocabulary (characters) where every token must be known.
    """
    reserved = list(specials) + ([unk] if unk is not None and unk not in specials else [])
    ranked = sorted((t for t, n in counts.items() if n >= min_count and t not in reserved),
                    key=lambda t: (-counts[t], t))
    if max_size:
      ranked = ranked[:max(max_size - len(reserved), 0)]
    return cls(reserved + ranked, unk=unk)

  def __len__(self) -> int:
    return len(self.tokens)

  def encode(self, tokens: Iterable[str]) -> np.ndarray:
    """Maps tokens to int32 ids; unknown tokens become `unk` or raise if there is none."""
    if self.unk is None:
      try:
        return np.array([self.index[t] for t in tokens], dtype=np.int32)
      except KeyError as e:
        raise KeyError(f"Token {e.args[0]!r} is not in the closed vocabulary.") from None
    unk_id = self.index[self.unk]
    return np.array([self.index.get(t, unk_id) for t in tokens], dtype=np.int32)

  def decode(self, ids: Iterable[int]) -> list[str]:
    return [self.tokens[int(i)] for i in ids]

  def save(self, path: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
      json.dump({"tokens": self.tokens, "unk": self.unk}, f, ensure_ascii=False)
    os.replace(tmp, path)

  @classmethod
  def load(cls, path: str) -> "Vocab":
    with open(path, encoding="utf-8") as f:
      saved = json.load(f)
    return cls(saved["tokens"], unk=saved["unk"])
