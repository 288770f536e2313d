"""The demo world: a simulated B2B SaaS with leads, activity, reps, spend and hidden truth."""
