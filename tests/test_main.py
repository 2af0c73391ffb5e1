"""The command line: training, evaluation, sampling and its errors, in subprocesses."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = ["--config=configs/ptb_lstm.py:smoke", "--config.data.max_tokens=3000",
         "--config.model.hidden_size=16", "--config.num_epochs=1"]


def run_main(*args: str) -> subprocess.CompletedProcess:
  return subprocess.run([sys.executable, "-m", "lmjax.main", *args], cwd=REPO,
                        capture_output=True, text=True, timeout=600)


def test_train_then_generate(ptb_dir, tmp_path):
  workdir = str(tmp_path / "run")
  trained = run_main(*SMOKE, f"--config.data.dir={ptb_dir}", f"--workdir={workdir}")
  assert trained.returncode == 0, trained.stderr[-3000:]
  with open(os.path.join(workdir, "results.json"), encoding="utf-8") as f:
    results = json.load(f)
  assert results["metrics"]["test"]["perplexity"] > 1

  generated = run_main(*SMOKE, f"--workdir={workdir}", "--mode=generate",
                       "--config.generate.prompt=the company", "--config.generate.num_tokens=12",
                       "--config.generate.num_samples=2")
  assert generated.returncode == 0, generated.stderr[-3000:]
  samples = [line for line in generated.stdout.splitlines() if line.strip()]
  assert samples
  assert all(sample.startswith("the company") for sample in samples[:1])


def test_unknown_config_key_fails():
  completed = run_main(*SMOKE, "--config.model.hiden_size=3", "--workdir=/nonexistent")
  assert completed.returncode != 0
  assert "hiden_size" in completed.stderr
  assert "Did you mean \"hidden_size\"" in completed.stderr
  assert "Traceback" not in completed.stderr


def test_unknown_variant_fails():
  completed = run_main("--config=configs/ptb_lstm.py:tiny", "--workdir=/nonexistent")
  assert completed.returncode != 0
  assert "Unknown variant 'tiny'" in completed.stderr


def test_generate_without_checkpoint_fails(tmp_path):
  completed = run_main(*SMOKE, f"--workdir={tmp_path}", "--mode=generate")
  assert completed.returncode != 0
  assert "data_meta.json not found" in completed.stderr


@pytest.mark.parametrize("mode", ["translate"])
def test_unknown_mode_lists_modes(mode, tmp_path):
  completed = run_main(*SMOKE, f"--workdir={tmp_path}", f"--mode={mode}")
  assert completed.returncode != 0
  assert "generate" in completed.stderr
