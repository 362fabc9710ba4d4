"""Persistence: engine, sessions, SQLModel tables and migrations."""
