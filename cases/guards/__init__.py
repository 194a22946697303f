"""What guards the case system and the residents: rate limits shared by every process (throttle), residents'
text cleaned before it is stored or shown (cleaning), and pseudonyms instead of identities in logs (privacy)."""
