"""Thin resource classes: each method describes one call; the client sends it."""
