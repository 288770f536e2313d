"""Analytics: funnel, sources, velocity, SLA, calibration, attribution and planning."""
