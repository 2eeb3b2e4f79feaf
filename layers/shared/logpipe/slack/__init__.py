"""Slack incoming-webhook delivery: Block Kit rendering within Slack's limits and posting with bounded retries."""
