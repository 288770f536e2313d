"""Predictive scoring: learn conversion from history, measure it, explain it, turn it into rules."""
