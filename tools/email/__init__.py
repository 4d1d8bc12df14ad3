"""Email: the mail tools, the real Gmail mailbox and the sandbox mailbox, behind `Mailbox`."""
