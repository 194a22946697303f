"""Tests of the fake Telegram Bot API (testkit/telegram/) that tests and benchmarks use."""
