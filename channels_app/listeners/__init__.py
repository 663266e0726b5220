"""Long-lived listeners for the platforms that do not push to a webhook: Discord's gateway, IMAP, Slack Socket Mode
and Telegram long polling. `supervisor.start(stop_event)` runs one per enabled instance that needs one."""
