"""Pieces the built-in methodologies share (checks on time windows and trips, derived car factors)."""
