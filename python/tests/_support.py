"""Shared helpers: where the conformance vectors live, and how to load them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# python/tests/conftest.py -> <repo>/tests/vectors
_DEFAULT_VECTORS = Path(__file__).resolve().parent.parent.parent / "tests" / "vectors"


def vectors_dir() -> Path:
    """The vectors directory: $REFUNDKIT_VECTORS, else <repo>/tests/vectors. Missing vectors are an error, never a skip."""
    override = os.environ.get("REFUNDKIT_VECTORS")
    path = Path(override) if override else _DEFAULT_VECTORS
    if not path.is_dir():
        raise FileNotFoundError(
            "refundkit conformance vectors not found at {} (set REFUNDKIT_VECTORS to the tests/vectors directory)".format(
                path
            )
        )
    return path


def load_vectors(name: str) -> Any:
    """Parses one vector file (e.g. ``eko_requests.json``)."""
    with open(vectors_dir() / name, encoding="utf-8") as f:
        return json.load(f)
