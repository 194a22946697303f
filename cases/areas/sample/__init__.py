"""The sample city (a box around People's Square, Shanghai) and the script that makes it."""
