"""The pure rules of the game: no I/O, no clock, no randomness."""
