"""Importing leads, accounts and activities from CSV, JSON Lines and Parquet files."""
