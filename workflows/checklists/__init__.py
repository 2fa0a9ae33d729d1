"""Checklists as data and the engine that walks staff through them.

The TOML files here are the single source of truth for what a case records; `model` loads
and checks them, `expressions` reads their skip logic and constraints, `answers` turns typed
text into stored values, `engine` moves a run from one question to the next."""
