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


def test_the_package_list_holds_every_package_the_app_imports():
    """pyproject's packages.find names each top-level package of the app (api was missing, so
    an installed, not editable, Khiu failed at `import api`)."""
    import tomllib

    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    app_packages = {"kiosk", "admin", "api", "models", "config", "cli", "web", "migrations"}
    on_disk = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert app_packages <= on_disk
    assert {name.rstrip("*") for name in found} == app_packages
    # What is left out is not the app's: tools of the checkout and the tests.
    assert on_disk - app_packages <= {"bench", "scripts", "tests"}
