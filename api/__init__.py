"""OGC API – Features service for the bordergeo layers (FastAPI)."""
