"""Merchants: offers, pay-codes, charges, vouchers and statements."""
