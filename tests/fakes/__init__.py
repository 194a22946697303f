"""Tests of the fake Telegram Bot API (testkit/telegram_server.py) that tests and benchmarks use."""
