"""Database adapter: typed models, the async engine and migrations."""
