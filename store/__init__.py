"""Delegate's store: tasks, organizations, execution logs and lifecycle (no LangChain here)."""
