"""Domain errors shared by every bordergeo package.

Each error carries a one-line, actionable message; the CLI prints it and exits non-zero, the API maps its
class to an HTTP status and an OGC exception code (``api.errors``: HTTP lives in the web layer).
"""

from __future__ import annotations


class BorderGeoError(Exception):
    """Base class of every error bordergeo raises on purpose."""


class SourceError(BorderGeoError):
    """A declared source file is missing, unreadable or fails its sha256 check."""


class NotFoundError(BorderGeoError):
    """Something asked for by name or id does not exist."""


class LayerNotFoundError(NotFoundError):
    """An unknown layer (collection) id was asked for."""


class FeatureNotFoundError(NotFoundError):
    """An unknown feature id was asked for."""


class BuildError(BorderGeoError):
    """A layer could not be built or failed validation."""


class DataDirError(BorderGeoError):
    """The data directory cannot be written or holds no usable build."""


class InvalidParameterError(BorderGeoError):
    """A request parameter is malformed or out of range."""


class CRSError(InvalidParameterError):
    """An unsupported or malformed coordinate reference system was asked for."""
