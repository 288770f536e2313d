"""The `leadflow` command line: a thin layer over the domain services."""
