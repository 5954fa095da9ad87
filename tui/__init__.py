"""The Textual app: renders core state and sends intents to core."""
