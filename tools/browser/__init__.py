"""Browser: the browser tools, Chromium through Playwright, forms, page text and settings."""
