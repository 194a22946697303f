"""The resident's own data: the privacy notice and consent, their export, and forgetting them."""
