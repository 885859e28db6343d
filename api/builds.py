"""Build switching for the in-memory backend: serve a newly published build without a restart.

``bordergeo build`` publishes by renaming the ``current`` symlink. A running service polls where that
link points (one ``readlink`` a second) and also reloads on SIGHUP; when it changes, the new build is
loaded in a worker thread beside the one being served, then ``app.state.sources`` is replaced in one
assignment. A request reads the sources once, at its start (``api.http`` pins them in the ASGI scope), so it
is answered wholly by one build; its ETag, ``timeStamp`` and ``X-Build`` header say which. A build that
fails to load is logged and the previous one stays served.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import anyio.to_thread

from api.source import Sources
from layers.settings import DataSettings
from layers.store import BuildStore

log = logging.getLogger("bordergeo.api")


class BuildWatcher:
    """Polls ``data.current`` (and listens for SIGHUP) and swaps in each newly published build."""

    def __init__(self, data: DataSettings, load: Callable[[BuildStore], Sources],
                 publish: Callable[[Sources], None], interval: float) -> None:
        self.data = data
        self.load = load
        self.publish = publish
        self.interval = interval
        self.served: Path | None = _target(data.current)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sighup = False

    def start(self) -> None:
        """Start polling (and handle SIGHUP when running in the main thread of the process)."""
        loop = asyncio.get_running_loop()
        with suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals
            loop.add_signal_handler(signal.SIGHUP, self._on_sighup)
            self._sighup = True
        self._task = loop.create_task(self._run())

    async def stop(self) -> None:
        """Stop polling."""
        if self._sighup:
            with suppress(Exception):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    def _on_sighup(self) -> None:
        log.info("SIGHUP: reloading the current build")
        self._force = True
        self._wake.set()

    _force = False

    async def _run(self) -> None:
        while True:
            with suppress(TimeoutError):  # interval 0: no polling, SIGHUP only
                await asyncio.wait_for(self._wake.wait(), self.interval or None)
            self._wake.clear()
            await self.check()

    async def check(self) -> bool:
        """Load and publish the current build if it is not the one served (or on SIGHUP); True if swapped."""
        target = _target(self.data.current)
        force, self._force = self._force, False
        if target is None or (target == self.served and not force):
            return False
        store = BuildStore(target)
        if store.manifest() is None:
            return False
        try:
            sources = await anyio.to_thread.run_sync(self.load, store)
        except Exception:  # a broken build must not take the service down: keep serving the old one
            log.exception("could not load build %s; still serving %s", target.name,
                          self.served.name if self.served else "nothing")
            self.served = target  # do not retry the same broken build every second
            return False
        self.publish(sources)
        log.info("now serving build %s (was %s)", sources.build_id, self.served.name if self.served else "-")
        self.served = target
        return True


def _target(link: Path) -> Path | None:
    """The directory ``link`` points to now (resolved), or None when there is no build."""
    try:
        return (link.parent / os.readlink(link)).resolve() if link.is_symlink() else link.resolve()
    except OSError:
        return None
