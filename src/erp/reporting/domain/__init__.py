"""Read-model projections and report queries (no FastAPI here)."""
