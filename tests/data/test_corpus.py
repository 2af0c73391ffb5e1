import os

import ml_collections
import numpy as np
import pytest

from lmjax.data import corpus as corpus_lib
from lmjax.data import text
from lmjax.tasks import language_model
from tests.conftest import data_file


def data_config(**overrides) -> ml_collections.ConfigDict:
  config = language_model.default_config().data
  config.update(overrides)
  return config


def write_splits(root, **splits):
  for name, content in splits.items():
    (root / f"{name}.txt").write_bytes(content if isinstance(content, bytes)
                                       else content.encode("utf-8"))
  return ml_collections.ConfigDict({s: f"{s}.txt" for s in splits})


def test_files_corpus_appends_eos_and_maps_unknown_words(tmp_path):
  files = write_splits(tmp_path, train="a b a\nc a\n", valid="a z\n", test="b\n")
  corpus = corpus_lib.load(data_config(name="files", dir=str(tmp_path), files=files))
  v = corpus.vocab
  assert v.tokens == ["<eos>", "<unk>", "a", "b", "c"]
  assert v.decode(corpus.splits["train"]) == ["a", "b", "a", "<eos>", "c", "a", "<eos>"]
  assert v.decode(corpus.splits["valid"]) == ["a", "<unk>", "<eos>"]
  assert corpus.join == " "


def test_char_corpus_keeps_newlines(tmp_path):
  files = write_splits(tmp_path, train="ab\nba\n", valid="ab\n")
  corpus = corpus_lib.load(data_config(name="files", dir=str(tmp_path), files=files,
                                       level="char"))
  assert "".join(corpus.vocab.decode(corpus.splits["train"])) == "ab\nba\n"
  assert corpus.join == ""


def test_empty_split_names_split_and_file(tmp_path):
  files = write_splits(tmp_path, train="a b\n", valid="")
  with pytest.raises(ValueError, match=r"Split 'valid'.*valid\.txt.*no tokens"):
    corpus_lib.load(data_config(name="files", dir=str(tmp_path), files=files, level="char"))


def test_invalid_utf8_names_file_line_and_offset(tmp_path):
  files = write_splits(tmp_path, train=b"good line\nbad \xff byte\n", valid="a\n")
  with pytest.raises(ValueError, match=r"train\.txt:2: invalid UTF-8 at byte offset 14"):
    corpus_lib.load(data_config(name="files", dir=str(tmp_path), files=files))


def test_invalid_utf8_in_whole_file_read_names_line(tmp_path):
  path = tmp_path / "input.txt"
  path.write_bytes(b"one\ntwo\nth\xc3ree\n")
  with pytest.raises(ValueError, match=r"input\.txt:3: invalid UTF-8 at byte offset 10"):
    text.read_text(str(path))


def test_missing_ptb_says_where_it_looked(tmp_path):
  with pytest.raises(FileNotFoundError) as e:
    corpus_lib.load(data_config(name="ptb", dir=str(tmp_path)))
  assert os.path.join(str(tmp_path), "ptb", "ptb.train.txt") in str(e.value)
  assert "simple-examples" in str(e.value)


def test_missing_data_dir_names_environment_variable(monkeypatch):
  monkeypatch.delenv("LMJAX_DATA_DIR", raising=False)
  with pytest.raises(FileNotFoundError, match="LMJAX_DATA_DIR"):
    corpus_lib.load(data_config(name="ptb", dir=""))


def test_unknown_corpus_lists_known_ones():
  with pytest.raises(KeyError, match="peoples_daily"):
    corpus_lib.load(data_config(name="wikitext"))


def test_ptb_matches_published_counts():
  root = os.path.dirname(os.path.dirname(data_file("ptb/ptb.train.txt")))
  corpus = corpus_lib.load(data_config(name="ptb", dir=root))
  assert len(corpus.vocab) == 10_000
  assert {s: len(ids) for s, ids in corpus.splits.items()} == {
      "train": 929_589, "valid": 73_760, "test": 82_430}
  assert corpus.vocab.tokens[0] == "<eos>"


def test_strip_pos_tags():
  line = "迈向/v  充满/v  希望/n  的/u  １/m  张/q  ）/w"
  assert corpus_lib.strip_pos_tags(line) == ["迈向", "充满", "希望", "的", "１", "张", "）"]


def test_peoples_daily_splits_and_vocabulary():
  corpus = corpus_lib.load(data_config(name="peoples_daily", max_vocab_size=10_000))
  sizes = {s: len(ids) for s, ids in corpus.splits.items()}
  total = sum(sizes.values())
  # 1,121,447 words plus one <eos> per non-empty paragraph.
  assert 1_130_000 < total < 1_145_000
  assert 0.85 < sizes["train"] / total < 0.95
  assert len(corpus.vocab) == 10_000
  assert corpus.join == ""
  words = corpus.vocab.decode(corpus.splits["train"][:3])
  assert words == ["迈向", "充满", "希望"]
  assert not any("/" in w and len(w) > 1 for w in corpus.vocab.tokens[:200])
  assert np.all(corpus.splits["test"] < len(corpus.vocab))
