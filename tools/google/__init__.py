"""Google API plumbing shared by Gmail and Calendar; the choice of Google or the sandbox."""
