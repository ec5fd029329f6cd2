"""Import of the JSON storage of the bot this one replaces (../shared/legacy/FORMAT.md)."""
