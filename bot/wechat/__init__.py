"""The WeChat Official Account (公众号) channel: WeChat calls /wechat, replies go out as customer-service messages."""
