"""Pure geospatial helpers: CRS and geodesic measures, geometry operations, file I/O, domain errors."""
