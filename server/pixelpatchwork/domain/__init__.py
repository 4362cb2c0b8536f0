"""The rules of a room, each in one place: who may vote, when a phase may change, who wins."""
