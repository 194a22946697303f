"""`python -m bot.wechat`: the WeChat channel on WECHAT_HOST:WECHAT_PORT (see bot.wechat.serve)."""

import sys

from bot.wechat.serve import main

if __name__ == "__main__":
    sys.exit(main())
