"""Inline-keyboard menus: the shared kit (views, presses, admin check), keyboards, signed
callback data and in-place edits."""
