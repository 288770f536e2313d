"""Activities: what a lead did or what happened to them, at a time."""
