import collections

import pytest

from lmjax.data import vocab as vocab_lib


def test_build_orders_by_count_then_token():
  counts = collections.Counter("b a c a b a <eos>".split())
  v = vocab_lib.Vocab.build(counts, specials=["<eos>"])
  assert v.tokens == ["<eos>", "<unk>", "a", "b", "c"]


def test_max_size_maps_rare_tokens_to_unk():
  v = vocab_lib.Vocab.build(collections.Counter("a a a b b c".split()), max_size=3)
  assert v.tokens == ["<unk>", "a", "b"]
  assert v.decode(v.encode(["a", "c", "zzz"])) == ["a", "<unk>", "<unk>"]


def test_closed_vocabulary_rejects_unknown_token():
  v = vocab_lib.Vocab.build(collections.Counter("ab"), unk=None)
  with pytest.raises(KeyError, match="'z'"):
    v.encode("abz")


def test_save_load_round_trip(tmp_path):
  v = vocab_lib.Vocab.build(collections.Counter("中 国 人 民 中".split()), specials=["<eos>"])
  path = str(tmp_path / "vocab.json")
  v.save(path)
  loaded = vocab_lib.Vocab.load(path)
  assert loaded.tokens == v.tokens
  assert loaded.unk == v.unk
