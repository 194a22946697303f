"""The people who work cases: console accounts, their alerts, canned replies."""
