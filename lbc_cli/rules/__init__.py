"""Pure domain rules (scoring, reminders, rates): plain data in, plain data out; no database, no CLI."""
