"""Who is calling: residents, roles, access and refresh tokens, and the guards that enforce roles."""
