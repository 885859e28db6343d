"""Domain errors shared by every bordergeo package.

Each error carries a one-line, actionable message; the CLI prints it and exits non-zero, the API maps it
to an OGC exception body with the status given by ``http_status``.
"""

from __future__ import annotations


class BorderGeoError(Exception):
    """Base class of every error bordergeo raises on purpose."""

    http_status = 500
    ogc_code = "ServerError"


class SourceError(BorderGeoError):
    """A declared source file is missing, unreadable or fails its sha256 check."""


class NotFoundError(BorderGeoError):
    """Something asked for by name or id does not exist."""

    http_status = 404
    ogc_code = "NotFound"


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

    http_status = 400
    ogc_code = "InvalidParameterValue"


class CRSError(InvalidParameterError):
    """An unsupported or malformed coordinate reference system was asked for."""
