"""The web chat: the page and its JSON API (app), signed session cookies, photo uploads."""
