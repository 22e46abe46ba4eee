"""The PayPal client this process uses, built from settings (tests point it at the fake server)."""

from tradepost.payments.providers.paypal import PayPalClient, paypal_config

_clients: dict = {}


def paypal_client() -> PayPalClient:
    """One client per configuration, so its OAuth token is reused between requests."""
    config = paypal_config()
    client = _clients.get(config)
    if client is None:
        _clients.clear()
        client = _clients[config] = PayPalClient(config)
    return client
