"""Tanbi's keys as an operator handles them: a fresh set in ``.env`` form, JWT rotation by kids, and the
secrets key's rotation (every value sealed with it re-encrypted in one transaction).

The hash key is not here on purpose: phone numbers, openids and partner subjects are kept only as its
one-way hashes, so no command can move them to another key."""
