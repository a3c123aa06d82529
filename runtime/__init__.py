"""Plumbing every process shares: settings, logging, the Bot API HTTP client, the send
rate limiter and start-up (content, database, bot client), each failing in one clear line."""
