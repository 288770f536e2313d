"""Routing: who gets an MQL (continuity, territory, round robin, capacity, availability)."""
