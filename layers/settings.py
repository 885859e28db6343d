"""Where bordergeo keeps its data: one settings class, read from the environment when asked for."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DataSettings(BaseSettings):
    """Data locations: ``BORDERGEO_DATA_DIR`` (built layers and fetched sources), ``BORDERGEO_MIRROR``."""

    model_config = SettingsConfigDict(env_prefix="BORDERGEO_")

    data_dir: Path = Path("data")
    mirror: Path | None = None

    @field_validator("mirror", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """``BORDERGEO_MIRROR=`` (empty) means no mirror, not the current directory."""
        return None if value == "" else value

    @property
    def sources_dir(self) -> Path:
        """Fetched, verified copies of the source files."""
        return self.data_dir / "sources"

    @property
    def builds_dir(self) -> Path:
        """Immutable builds, one directory each."""
        return self.data_dir / "builds"

    @property
    def current(self) -> Path:
        """Symlink to the build being served."""
        return self.data_dir / "current"
