"""Huiyin's Rasa custom actions: read the conversation, call the `cases` domain, answer with domain.yml responses."""
