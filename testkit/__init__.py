"""What tests and benchmarks share, outside the test tree: a fake Telegram Bot API server (telegram/) and
the real back end, Rasa and the action server, started on free ports (stack)."""
