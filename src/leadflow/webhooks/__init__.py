"""Webhooks: signed notifications of what happened, delivered at least once from an outbox."""
