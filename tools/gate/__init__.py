"""The policy gate every side effect passes: permission, approval, data flow and idempotency."""
