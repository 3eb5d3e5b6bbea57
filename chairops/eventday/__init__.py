"""The event's day and hours in the venue's own zone: pure rules on the ground, for every floor."""
