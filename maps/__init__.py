"""Folium HTML maps of the bordergeo layers, rendered from the layer declarations, working offline."""
