"""Headless commands that belong to larger features; registered in studio.cli.COMMAND_MODULES."""
