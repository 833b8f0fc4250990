"""Placeholder: commands are registered here (see gongbao.cli)."""
