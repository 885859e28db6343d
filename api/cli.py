"""The ``bordergeo serve`` command (stub: being written)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``serve`` command to the bordergeo CLI."""
