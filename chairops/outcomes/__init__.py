"""Outcomes: lower-back pain after the massage and two days later, and the report. Uses messaging,
accounts (reach) and the ground."""
