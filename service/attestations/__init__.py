"""Residents' signed, expiring, revocable attestations of their carbon account, for banks (green credit)."""
