"""What a resident sees of their own: wallet, actions, transfers, impact; and deleting the account."""
