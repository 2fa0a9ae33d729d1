"""Reference data and readings shared by every capability: States as the UN names them,
mandates, dates typed by staff, and accent-insensitive text matching."""
