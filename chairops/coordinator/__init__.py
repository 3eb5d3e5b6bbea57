"""The HR coordinator's console: dashboard, roster, CSV, charts and the share kit. Uses accounts,
seating and the ground."""
