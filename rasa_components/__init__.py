"""Custom Rasa components (loaded by Rasa from config.yml; Rasa runs from the project root)."""
