"""A fake of WeChat's servers for tests and benchmarks: its API (server) and its calls to our channel (calls)."""

from testkit.wechat.calls import WeChatCaller, gps_jpeg
from testkit.wechat.server import FakeWeChatServer, TemplateSent

__all__ = ["FakeWeChatServer", "TemplateSent", "WeChatCaller", "gps_jpeg"]
