"""Walk-up events: a fair first-come, first-served line joined by QR code or at a kiosk, called to
chairs from the tablet. Uses screening, seating, messaging and the ground; nothing below uses it."""
