"""Transports over the follow-up workflows: Telegram and a terminal console."""
