"""Development tools shared by the console, the tests and the benchmarks.

A fake Bot API that speaks Telegram's wire format and a throwaway PostgreSQL server; nothing
here runs in production.
"""
