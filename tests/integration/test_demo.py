"""The README's demo command must keep working: run scripts/demo.sh end to end."""

from __future__ import annotations

import os
import subprocess

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_runs_end_to_end_and_cleans_up():
    result = subprocess.run(["bash", os.path.join(REPO_ROOT, "scripts", "demo.sh")], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
    print(result.stdout)
    assert result.returncode == 0
    output = result.stdout
    assert "Second run of the role: changed=False" in output
    assert '"  |--@status_stopped:",' in output
    assert "demo-web-1 is active at" in output
    assert "0 server(s) left." in output
    assert "Stopping the simulator" in output
    assert "Traceback" not in output
