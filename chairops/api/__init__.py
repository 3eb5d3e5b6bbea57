"""The JSON API of API.md: an edge over every feature service; nothing imports it."""
