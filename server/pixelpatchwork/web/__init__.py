"""HTTP transport: pages, the participant API, the facilitator API, health, errors."""
