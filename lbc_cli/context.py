"""What this process is doing, for the audit log: set by the CLI, read by the store."""

# The command being run ("lbc child update"): never its arguments, which may hold personal data.
command = "lbc"

# Why the command makes its changes (a correction's --reason), kept with each of its audit entries.
reason: str | None = None
