"""Events: creating and publishing them, changing them after people booked, and the staff event
pages. Uses the waitlist, messaging, the features it shows and the ground."""
