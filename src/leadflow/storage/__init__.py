"""The operational store: SQLAlchemy models and Alembic migrations on SQLite or PostgreSQL."""
