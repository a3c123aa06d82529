"""Serving updates: the entry point, polling and webhook, per-chat ordering, flood control,
errors, metrics, health and the HTTP guard that drops malformed updates."""
