"""The audit log: who changed what in leadflow's configuration and access, and when."""
