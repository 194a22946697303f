"""The policy database (政策数据库): answers staff keep, their YAML loader, and matching residents' questions."""
