"""Static files under content-hashed names, precompressed, served by WhiteNoise for a year.

Django's CompressedManifestStaticFilesStorage does this at `collectstatic`; a Flask app has no
such step, so create_app copies the few files of chairops/static once per content (names are
content-addressed, writes are atomic, so several workers starting together agree), and
`url_for('static', filename='app.css')` answers the hashed name. WhiteNoise serves those with
`Cache-Control: max-age=315360000, public, immutable` and the .br / .gz copy the browser accepts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

# app.3f9a0c2b71de.css: only such names are immutable; anything else keeps a short cache.
HASHED_NAME = r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$"


def hashed_name(relative: str, data: bytes) -> str:
    """'css/app.css' -> 'css/app.<first 12 hex of sha256>.css'."""
    stem, dot, suffix = relative.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"{stem}.{digest}.{suffix}" if dot else f"{relative}.{digest}"


def _write_atomically(path: Path, data: bytes) -> None:
    """Whole file or nothing: a worker starting beside us never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file sits outside the served folder, so WhiteNoise never lists it.
    scratch = path.parent.parent / (path.parent.name + ".tmp")
    scratch.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=scratch)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(name, path)


def _compressed_copies(data: bytes, name: str) -> dict[str, bytes]:
    """The .br and .gz copies worth keeping (WhiteNoise picks them by Accept-Encoding)."""
    if not Compressor(quiet=True).should_compress(name):
        return {}
    copies = {".br": Compressor.compress_brotli(data), ".gz": Compressor.compress_gzip(data)}
    return {suffix: blob for suffix, blob in copies.items() if len(blob) < 0.95 * len(data)}


def collect(source: Path, target: Path) -> dict[str, str]:
    """Copy every file of `source` into `target` under its hashed name; {name: hashed name}."""
    manifest = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative, data = path.relative_to(source).as_posix(), path.read_bytes()
        manifest[relative] = hashed_name(relative, data)
        out = target / manifest[relative]
        if out.exists():
            continue
        for suffix, blob in _compressed_copies(data, out.name).items():
            _write_atomically(out.with_name(out.name + suffix), blob)
        # Written last: its presence says the compressed copies are complete.
        _write_atomically(out, data)
    return manifest


def _nosniff(headers, path, url) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    """Serve chairops/static under hashed names through WhiteNoise; url_for gives those names."""
    target = Path(app.instance_path) / "static"
    manifest = collect(Path(app.static_folder), target)
    prefix = app.static_url_path.rstrip("/") + "/"
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(target),
        prefix=prefix,
        immutable_file_test=HASHED_NAME,
        add_headers_function=_nosniff,
    )

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.extensions["chairops_static_manifest"] = manifest
