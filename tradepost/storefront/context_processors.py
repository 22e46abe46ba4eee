import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse

from tradepost.storefront.pagecache import csrf_placeholder_context
from tradepost.storefront.policy import active_policy


def store(request):
    """The active store policy for every page, so pages state what the system enforces (and, for a page
    rendered for the page cache, its CSRF placeholder)."""
    active = active_policy(request)
    if active is None:
        found = {"store_policy": None, "policy_version": None, "store_name": "Tradepost"}
    else:
        found = {
            "store_policy": active.policy,
            "policy_version": active.version,
            "store_name": active.policy.store.name,
        }
    return found | csrf_placeholder_context(request) | {"links": LINKS}


class _Links:
    """The storefront's addresses by URL name, {{ links.catalog }}, for the ones every page's header and
    footer carry: each is reversed once per process (and script prefix), where {% url %} reverses it on every
    render, a dozen times a page. `desk` is the back office's home."""

    def __getitem__(self, name: str) -> str:
        return _reversed(get_script_prefix(), "backoffice:home" if name == "desk" else f"storefront:{name}")


LINKS = _Links()


@functools.lru_cache(maxsize=128)
def _reversed(prefix: str, name: str) -> str:
    return reverse(name)  # under `prefix`, which reverse() reads from the request being served


@receiver(setting_changed)
def _forget_links(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()
