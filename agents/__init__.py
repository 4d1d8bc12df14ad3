"""Model selection (any provider, plus the offline model) and the tool-equipped agents."""
