"""npm packages the tests run (ical.js, axe-core), installed once into the repo's ignored .cache.

Under CI=true a failed install fails the run; elsewhere the tests that need them skip.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / ".cache" / "npm"
MODULES = PREFIX / "node_modules"
# Major versions: a new major is a decision, not something a test run picks up by itself.
PACKAGES = {"ical.js": "2", "axe-core": "4"}


class NodeUnavailable(RuntimeError):
    """node or npm is missing, or the npm registry could not give the packages."""


def _installed(name: str, major: str) -> bool:
    manifest = MODULES / name / "package.json"
    if not manifest.exists():
        return False
    return json.loads(manifest.read_text())["version"].split(".")[0] == major


def node_modules() -> Path:
    """The node_modules folder holding PACKAGES, installing them with npm when missing."""
    if not (shutil.which("node") and shutil.which("npm")):
        raise NodeUnavailable("node and npm are needed on PATH")
    PREFIX.mkdir(parents=True, exist_ok=True)
    # Test workers run side by side (pytest-xdist): one installs while the others wait for it.
    with open(PREFIX / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(_installed(name, major) for name, major in PACKAGES.items()):
            return MODULES
        _install()
    return MODULES


def _install() -> None:
    specs = [f"{name}@^{major}" for name, major in PACKAGES.items()]
    command = ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund"]
    done = subprocess.run(
        [*command, "--no-package-lock", *specs], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise NodeUnavailable(f"npm install failed: {done.stderr.strip()[-2000:]}")
