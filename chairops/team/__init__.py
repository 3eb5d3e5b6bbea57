"""Team and tenants: companies, staff invites and deactivation. Uses accounts, event rules and the
ground."""
