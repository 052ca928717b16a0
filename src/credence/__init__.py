"""credence: rule-based trust scoring, built for due process."""

__version__ = "0.1.0"
