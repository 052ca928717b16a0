"""The vectorised population simulator."""
