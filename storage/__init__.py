"""Storage: SQLAlchemy models, the database handle, migrations and repositories."""

from storage.db import Database
from storage.models import Base, Chat

__all__ = ["Base", "Chat", "Database"]
