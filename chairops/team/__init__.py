"""Team and tenants: companies, staff accounts, invites and deactivation."""
