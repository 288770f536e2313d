"""Segment's HTTP tracking spec in: identify, track, page and batch messages as leads and
activities, through the one ingestion service."""
