"""Shared fixtures: each fixture module under tests/fixtures is a pytest plugin."""

pytest_plugins = [
    "tests.fixtures.agent_runs",
    "tests.fixtures.api",
    "tests.fixtures.core",
    "tests.fixtures.google_standin",
    "tests.fixtures.langgraph_server",
    "tests.fixtures.openai_standin",
    "tests.fixtures.postgres",
    "tests.fixtures.slack_standin",
    "tests.fixtures.web_page",
    "tests.fixtures.web_standin",
]
