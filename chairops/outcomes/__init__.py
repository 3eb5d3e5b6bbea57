"""Outcomes: lower-back pain after the massage and two days later, and the report. Uses messaging,
accounts (reach) and the ground; demo.py (seed data only) also books and screens people."""
