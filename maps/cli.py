"""The ``bordergeo maps`` command (stub: being written)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``maps`` command to the bordergeo CLI."""
