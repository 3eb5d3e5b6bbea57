"""The therapist's tablet: per-chair queue, status moves, walk-ins, running late. Uses booking,
seating, the waitlist, the screen, messaging and the ground."""
