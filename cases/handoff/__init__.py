"""Live chat: conversations handed to a person (the queue, transcript, replies) and waits that are too long."""
