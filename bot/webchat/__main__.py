"""`python -m bot.webchat`: the web chat alone, in WEB_WORKERS processes (see bot.webchat.serve)."""

from bot.webchat.serve import main

if __name__ == "__main__":
    main()
