"""rules.segments agrees with Twilio's own segment calculator (sms-segments-calculator, from the
npm registry) on thousands of texts: GSM-7, its extension table, UCS-2 and surrogate pairs."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess

import pytest

from chairops.messaging import rules

PACKAGE = "sms-segments-calculator@1.3.0"
IN_CI = os.environ.get("CI", "").lower() == "true"
COUNT_JS = """
const { SegmentedMessage } = require('sms-segments-calculator');
const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(texts.map((t) => {
  const m = new SegmentedMessage(t);
  return [m.encodingName, m.segmentsCount];
})));
"""
# Twilio's calculator keeps grapheme clusters whole; carriers split code units. These letters are
# each their own grapheme, so both must agree ("\\r" is left out: "\\r\\n" is one grapheme).
GSM = sorted(rules.GSM7_BASIC - {"\r"})
EXTENSION = sorted(rules.GSM7_EXTENSION)
OTHER = ["ë", "Ł", "’", "中", "й", "\N{GRINNING FACE}", "\N{MUSICAL SYMBOL G CLEF}"]


def _unavailable(why: str):
    if IN_CI:
        pytest.fail(f"node and the npm registry are required under CI=true: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def twilio_segments(tmp_path_factory):
    """Count segments with Twilio's calculator, installed from the npm registry."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        _unavailable("node or npm is missing")
    folder = tmp_path_factory.mktemp("segments-calculator")
    install = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), PACKAGE],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if install.returncode != 0:
        _unavailable(f"npm install {PACKAGE} failed: {install.stderr[-500:]}")
    (folder / "count.js").write_text(COUNT_JS)

    def count(texts: list[str]) -> list[tuple[str, int]]:
        done = subprocess.run(
            [node, str(folder / "count.js")], input=json.dumps(texts), capture_output=True,
            text=True, timeout=120, check=True, cwd=folder,
        )  # fmt: skip
        return [tuple(pair) for pair in json.loads(done.stdout)]

    return count


def _samples(n: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    edges = [c * k for c in ("a", "€", "ë", "\N{GRINNING FACE}") for k in range(60, 330, 1)]
    texts = []
    for _ in range(n):
        alphabet = rng.choice([GSM, GSM + EXTENSION, GSM + EXTENSION + OTHER])
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 420))))
    return edges + texts


def test_segments_agree_with_twilios_calculator(twilio_segments):
    texts = _samples(3000)
    theirs = twilio_segments(texts)
    ours = [("GSM-7" if rules.is_gsm7(t) else "UCS-2", rules.segments(t)) for t in texts]
    differ = [(t, o, w) for t, o, w in zip(texts, ours, theirs, strict=True) if o != w]
    assert differ == [], f"{len(differ)} of {len(texts)} differ, e.g. {differ[:2]}"
