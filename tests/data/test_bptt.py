import numpy as np
import pytest

from lmjax.data import bptt


def test_train_batches_hand_worked():
  # 26 tokens in 2 rows of 13: [0..12] and [13..25]; (13 - 1) // 3 = 4 batches.
  it = bptt.BPTTIterator(np.arange(26), batch_size=2, num_steps=3)
  assert it.steps_per_epoch == 4
  first = next(it)
  np.testing.assert_array_equal(first["inputs"], [[0, 1, 2], [13, 14, 15]])
  np.testing.assert_array_equal(first["targets"], [[1, 2, 3], [14, 15, 16]])
  np.testing.assert_array_equal(first["reset"], [True, True])
  second = next(it)
  np.testing.assert_array_equal(second["inputs"], [[3, 4, 5], [16, 17, 18]])
  np.testing.assert_array_equal(second["reset"], [False, False])
  next(it)
  last = next(it)
  np.testing.assert_array_equal(last["inputs"], [[9, 10, 11], [22, 23, 24]])
  np.testing.assert_array_equal(last["targets"], [[10, 11, 12], [23, 24, 25]])
  assert it.state() == {"epoch": 1, "index": 0}
  again = next(it)
  np.testing.assert_array_equal(again["inputs"], first["inputs"])
  assert again["reset"].all()


def test_train_drops_tail_like_zaremba():
  # 27 tokens: one token does not fill a row and is left out.
  it = bptt.BPTTIterator(np.arange(27), batch_size=2, num_steps=3)
  np.testing.assert_array_equal(it.rows, [np.arange(13), np.arange(13, 26)])


def test_restore_continues_at_same_batch():
  it = bptt.BPTTIterator(np.arange(100), batch_size=2, num_steps=4)
  for _ in range(7):
    next(it)
  state = it.state()
  expected = next(it)
  resumed = bptt.BPTTIterator(np.arange(100), batch_size=2, num_steps=4)
  resumed.restore(state)
  np.testing.assert_array_equal(next(resumed)["inputs"], expected["inputs"])


def test_restore_rejects_position_outside_epoch():
  it = bptt.BPTTIterator(np.arange(100), batch_size=2, num_steps=4)
  with pytest.raises(ValueError, match="12 batches"):
    it.restore({"epoch": 0, "index": 12})


def test_process_shards_rows_of_global_layout():
  full = next(bptt.BPTTIterator(np.arange(40), batch_size=4, num_steps=3))
  parts = [next(bptt.BPTTIterator(np.arange(40), batch_size=4, num_steps=3,
                                  process_index=i, process_count=2)) for i in range(2)]
  np.testing.assert_array_equal(np.concatenate([p["inputs"] for p in parts]), full["inputs"])


def test_too_short_split_raises():
  with pytest.raises(ValueError, match="'valid' has 10 tokens"):
    bptt.BPTTIterator(np.arange(10), batch_size=4, num_steps=3, name="valid")


def test_eval_batches_hand_worked():
  # 10 tokens, 9 targets in 2 rows of 5, 2 chunks of 3 steps; one padded slot.
  batches = list(bptt.eval_batches(np.arange(10), batch_size=2, num_steps=3))
  assert len(batches) == 2
  np.testing.assert_array_equal(batches[0]["inputs"], [[0, 1, 2], [5, 6, 7]])
  np.testing.assert_array_equal(batches[0]["targets"], [[1, 2, 3], [6, 7, 8]])
  np.testing.assert_array_equal(batches[1]["inputs"], [[3, 4, 0], [8, 0, 0]])
  np.testing.assert_array_equal(batches[1]["targets"], [[4, 5, 0], [9, 0, 0]])
  np.testing.assert_array_equal(batches[1]["weights"], [[1, 1, 0], [1, 0, 0]])
  np.testing.assert_array_equal(batches[0]["reset"], [True, True])
  np.testing.assert_array_equal(batches[1]["reset"], [False, False])


@pytest.mark.parametrize("length,batch_size,num_steps", [(2, 1, 1), (101, 3, 7), (1000, 10, 35),
                                                         (50, 8, 20)])
def test_eval_batches_count_every_target_once(length, batch_size, num_steps):
  ids = np.arange(length)
  batches = list(bptt.eval_batches(ids, batch_size, num_steps))
  targets = np.concatenate([b["targets"][b["weights"] > 0] for b in batches])
  np.testing.assert_array_equal(np.sort(targets), ids[1:])
  for b in batches:
    real = b["weights"] > 0
    np.testing.assert_array_equal(b["targets"][real], b["inputs"][real] + 1)
