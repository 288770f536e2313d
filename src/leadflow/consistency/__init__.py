"""Checking that the store is consistent: what a crash or an outage must never break."""
