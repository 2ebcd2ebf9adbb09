"""Every entry point imports on its own (a circular import hides when the app is imported first)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["bench.reports", "bench.run", "bench.office_day_summary",
                                    "kiosk.transparency", "api.reports", "admin.reports_export",
                                    "models", "app"])
def test_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-800:]
