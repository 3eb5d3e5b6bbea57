"""Booking: claiming, moving and cancelling slots, the phone pages and the .ics. Uses seating,
the waitlist, messaging and the ground."""
