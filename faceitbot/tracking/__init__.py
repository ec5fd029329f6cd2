"""Tracked players and match notifications: adaptive checks under a FACEIT budget share, an
exactly-once outbox, and Telegram's send limits."""

from faceitbot.tracking.monitor import NOTIFY, POLL, Monitor, create_monitor

__all__ = ["NOTIFY", "POLL", "Monitor", "create_monitor"]
