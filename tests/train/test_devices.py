"""Data parallelism over 8 fake CPU devices gives the results of one device."""

import json
import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_worker(data_dir: str, device_count: int) -> dict:
  env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={device_count}",
             PYTHONPATH=REPO)
  completed = subprocess.run([sys.executable, "-m", "tests.train.device_count_worker", data_dir],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
  assert completed.returncode == 0, completed.stderr[-3000:]
  return json.loads(completed.stdout.strip().splitlines()[-1])


def test_eight_devices_match_one(ptb_dir):
  one = run_worker(ptb_dir, 1)
  eight = run_worker(ptb_dir, 8)
  assert one["devices"] == 1
  assert eight["devices"] == 8
  assert len(one["losses"]) == 12
  np.testing.assert_allclose(eight["losses"], one["losses"], rtol=2e-5)
  for split in ("valid", "test"):
    np.testing.assert_allclose(eight["metrics"][split]["perplexity"],
                               one["metrics"][split]["perplexity"], rtol=2e-5)
