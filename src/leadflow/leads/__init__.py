"""Leads: people known by an identity, with attributes, an owner and a stage."""
