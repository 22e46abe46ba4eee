"""Turns a cart into an order: options, the priced preview, and placing it in one transaction."""
