"""Seating: free and held times, sign-up open, and putting a booking in a chair. Uses the ground."""
