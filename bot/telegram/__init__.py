"""The Telegram channel (python-telegram-bot): the application, its handlers, replies sent, updates recorded."""
