"""Clients for the payment providers Tradepost talks to over the network (PayPal, which also takes cards)."""
