"""Engines for set-based work: Ibis over the operational database, DuckDB, or Spark."""
