"""The story store: wire feeds added as they arrive, stories with stable ids, in one SQLite file."""
