"""The Bot API methods the fake answers, by family; :class:`FakeTelegram` registers them by name.

Each family is a mixin over :class:`~devtools.fakebotapi.state.TelegramState`:
:mod:`.updates` (getUpdates, webhooks, getMe), :mod:`.messages` (sends, deletes, callback
answers), :mod:`.edits`, :mod:`.chats` (chats and members), :mod:`.commands` (command lists,
menu buttons) and :mod:`.files`. :mod:`.params` reads and checks request parameters.
"""
