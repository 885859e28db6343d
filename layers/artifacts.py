"""What a build makes from its layers (the GeoPackage, the tiles, the ``bordergeo.artifacts`` renderers' output):
input keys, and re-use of what did not change.

An artifact's key hashes what it reads: each layer's *data* (its GeoParquet's bytes, and the module that
declares it: style, titles, attribution) and the artifact's own code. A layer rebuilt to the same bytes (a
source touched, a dependency rebuilt) therefore changes no artifact. A renderer that declares ``OUTPUTS`` (the
paths it alone writes in a build directory) is not run again when its key is unchanged: its output is
hard-linked from the current build.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import inspect
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from geo.errors import BuildError
from layers.registry import Registry
from layers.store import TABLES, BuildStore

log = logging.getLogger("bordergeo.build")


def layers_key(registry: Registry, build_dir: Path, layer_ids: Iterable[str], shared: bytes) -> str:
    """A hash of the data of ``layer_ids`` in ``build_dir`` (GeoParquet bytes, declaring module), the extra tables,
    and ``shared`` (the code every declaration builds on)."""
    store = BuildStore(build_dir)
    h = hashlib.sha256(shared)
    for lid in layer_ids:
        module = sys.modules[registry[lid].build.__module__]
        h.update(f"{lid}:".encode())
        h.update(_file_sha(store.layer_path(lid)))
        h.update(_file_sha(Path(inspect.getfile(module))))
    tables = build_dir / TABLES
    for path in sorted(tables.glob("*")) if tables.is_dir() else ():
        h.update(f"{path.name}:".encode() + _file_sha(path))
    return h.hexdigest()


def renderer_keys(layers: str) -> dict[str, str]:
    """Per ``bordergeo.artifacts`` renderer, its key: the ``layers_key`` and the renderer's code files."""
    keys = {}
    for ep in entry_points(group="bordergeo.artifacts"):
        h = hashlib.sha256(layers.encode())
        for path in artifact_code_files(ep.module):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        keys[ep.name] = h.hexdigest()
    return keys


def artifact_code_files(module: str) -> list[Path]:
    """The code of a renderer: ``module``, the modules of its package it imports (transitively), and the
    package's other files (templates, static assets), in a stable order.

    Imports are read from the source (any ``import`` statement, also inside functions), so editing a module the
    renderer never imports (another renderer's, in the same package) does not make it stale.
    """
    top = module.split(".")[0]
    found = importlib.util.find_spec(top)
    if found is None or found.origin is None:
        raise BuildError(f"artifact renderer {module} is not importable: reinstall bordergeo")
    root = Path(found.origin).parent
    files = {p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"}
    todo, seen = [module], set()
    while todo:
        name = todo.pop()
        path = _module_path(root, top, name)
        if path is None or path in seen:
            continue
        seen.add(path)
        todo += _imports(path, name, top, path.name == "__init__.py")
        todo += [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]  # its packages' __init__
    return sorted(files | seen)


def _module_path(root: Path, top: str, name: str) -> Path | None:
    parts = name.split(".")[1:]
    base = root.joinpath(*parts)
    for path in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if path is not None and path.is_file():
            return path
    return None


def _imports(path: Path, name: str, top: str, is_package: bool) -> list[str]:
    """Modules of package ``top`` that the source of module ``name`` imports."""
    package = name if is_package else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.append(base)
            out += [f"{base}.{alias.name}" for alias in node.names]  # `from maps import sheets` imports a module
    return [m for m in out if m == top or m.startswith(top + ".")]


def render(staging: Path, current: Path | None, stale: Iterable[str]) -> None:
    """Run the ``bordergeo.artifacts`` renderers into ``staging``; an unchanged one that declares ``OUTPUTS`` has
    its output hard-linked from ``current`` instead (a renderer without ``OUTPUTS`` always runs)."""
    stale = set(stale)
    for ep in entry_points(group="bordergeo.artifacts"):
        t0 = time.perf_counter()
        outputs: tuple[str, ...] = getattr(importlib.import_module(ep.module), "OUTPUTS", ())
        if ep.name not in stale and outputs and current is not None and all((current / o).exists() for o in outputs):
            for out in outputs:
                _link(current / out, staging / out)
            log.info("artifact %s unchanged: linked from %s", ep.name, current.name)
            continue
        ep.load()(staging)
        log.info("artifact %s rendered in %.1f s", ep.name, time.perf_counter() - t0)


def _link(src: Path, dst: Path) -> None:
    """Hard-link a file, or a directory tree file by file (builds are immutable once published)."""
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=os.link)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, dst)


def _file_sha(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()
