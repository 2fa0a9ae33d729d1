"""Persistence for the follow-up bot.

`storage.repository` is the interface the domain uses; `storage.tinydb_repo` implements it on
TinyDB. This package imports nothing from `workflows` or `telegram`, and this module imports
nothing at all, so that importing the interface does not pull in the implementation.
"""
