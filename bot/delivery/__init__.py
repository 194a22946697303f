"""Delivering queued pushes to residents on Telegram, within Telegram's rate limits."""
