"""Delivery engine: who is due, claiming, rate-limited sending, the ledger."""
