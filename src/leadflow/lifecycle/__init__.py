"""The lifecycle: stages, and the history of every change between them."""
