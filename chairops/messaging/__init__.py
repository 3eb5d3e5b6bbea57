"""Texts: wording, the outbox, senders, the dispatcher and Twilio's webhooks. Uses the ground."""
