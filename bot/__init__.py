"""Messaging channels: Telegram and the web chat, talking to residents and to Rasa."""
