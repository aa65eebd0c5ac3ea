"""EU–Azerbaijan negotiation role-play: a classroom game built from van Gils's paper."""

__version__ = "0.1.0"
