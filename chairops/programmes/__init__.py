"""Programmes: recurring chair-massage days, fair to people who have not had a turn.

Floor 6 (beside the coordinator's console): uses event creation and changes, messaging, seating's
fairness rules and the ground. Nothing below imports it: the claim path asks seating.fairness.
"""
