"""The chat, independent of transport: commands, taps and answers in; replies out."""
