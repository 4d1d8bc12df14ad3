"""Calendar: the calendar tools, Google Calendar and the sandbox calendar, behind `Calendar`."""
