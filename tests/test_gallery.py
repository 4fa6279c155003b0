"""The committed gallery in outputs/ is what a fresh render of the examples gives."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_outputs_match_a_fresh_render():
    proc = subprocess.run([sys.executable, "scripts/render_gallery.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, (
        f"outputs/ is stale; run python scripts/render_gallery.py\n{proc.stderr}")
