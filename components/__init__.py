"""Reusable Reflex UI pieces."""
