"""Shared test helpers: locating the real data sets."""

import os

import pytest

REQUIRE_DATA = os.environ.get("LMJAX_REQUIRE_DATA") == "1"


def data_file(relative_path: str) -> str:
  """Returns the path of a data file under $LMJAX_DATA_DIR, or skips the test.

  With LMJAX_REQUIRE_DATA=1 (set by .ci/run) a missing file fails the test instead.
  """
  root = os.environ.get("LMJAX_DATA_DIR")
  path = os.path.join(root, relative_path) if root else None
  if path and os.path.isfile(path):
    return path
  message = (f"needs {relative_path} under LMJAX_DATA_DIR" if root
             else f"needs LMJAX_DATA_DIR set to a folder with {relative_path}")
  if REQUIRE_DATA:
    pytest.fail(f"LMJAX_REQUIRE_DATA=1 but the test {message}.")
  pytest.skip(message)


@pytest.fixture
def ptb_dir() -> str:
  """The data root, when it has PTB."""
  data_file("ptb/ptb.train.txt")
  return os.environ["LMJAX_DATA_DIR"]
