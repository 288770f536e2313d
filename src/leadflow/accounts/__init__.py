"""Accounts: the companies leads work for, matched by e-mail domain or an explicit key."""
