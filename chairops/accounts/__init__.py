"""Staff accounts: sign-in, roles, API tokens, and what each role may reach. Uses the ground."""
