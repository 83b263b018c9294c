"""The double-entry ledger: the only code that moves coins.

Amounts are integer coins. Every movement is an append-only transfer between two typed accounts;
balances live on the account rows and change in the same transaction; wallet and merchant balances are
kept non-negative by a database CHECK. See ``service.ledger.service.Ledger`` for the operations.
"""
