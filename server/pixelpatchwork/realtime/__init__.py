"""Socket.IO: the room namespace and the broadcaster that fans events out (Redis or in-process)."""
