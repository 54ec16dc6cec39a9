"""Training across processes: two CPU processes (gloo, launched by torchrun) follow the same loss
curve as one process taking the same global batches."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).parent / "scripts" / "ddp_fit.py"


@pytest.mark.slow
def test_ddp_two_processes_match_one(tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    subprocess.run([sys.executable, str(SCRIPT), str(one), "32"], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    str(SCRIPT), str(two), "32"], check=True, timeout=300, capture_output=True)
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert a["world"] == 1 and b["world"] == 2
    assert a["train_loss"][-1] < 0.5 * a["train_loss"][0]  # it learned
    np.testing.assert_allclose(b["train_loss"], a["train_loss"], rtol=1e-4)
