"""Storage adapters (SQLModel): the event store and its tables."""
