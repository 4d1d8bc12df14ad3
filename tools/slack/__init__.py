"""Slack: the Slack tools, real Slack over slack_sdk and the sandbox channel log, behind `Chat`."""
