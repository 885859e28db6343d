"""Border layers: one module per layer (sources -> validated GeoDataFrame), the registry, fetch and build."""
