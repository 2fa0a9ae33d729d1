"""What is due when, and the reminders that follow from it.

`rules` computes deadlines from answers (rules are data: `deadline_rules.toml`, overridable
per mandate); `due` says them in words; `reminders` derives what is due now from stored
deadlines, idempotently; `alerts` turns that into messages and records what was sent."""
