"""The HTTP API: a thin FastAPI layer over the same services the CLI uses."""
