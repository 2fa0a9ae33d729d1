"""Who may see and change what: users, roles, and the admin commands that manage them."""
