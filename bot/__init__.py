"""MagBot's Telegram side: application factory, handlers, keyboards and entry points."""
