"""Which hosts we answer on: the base hosts, <slug>.<base domain>, and custom domains."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache import cache

CUSTOM_DOMAINS_CACHE_KEY = "workspaces:custom-domains"


def custom_domains() -> frozenset[str]:
    domains = cache.get(CUSTOM_DOMAINS_CACHE_KEY)
    if domains is None:
        from terakoya.workspaces.models import Workspace

        domains = frozenset(
            Workspace.objects.exclude(custom_domain__isnull=True)
            .exclude(custom_domain="")
            .values_list("custom_domain", flat=True)
        )
        cache.set(CUSTOM_DOMAINS_CACHE_KEY, domains, 300)
    return frozenset(domains)


def forget_custom_domains() -> None:
    cache.delete(CUSTOM_DOMAINS_CACHE_KEY)


class AllowedHosts(list[str]):
    """ALLOWED_HOSTS derived from settings plus every workspace's custom domain."""

    def __iter__(self) -> Iterator[str]:
        yield from super().__iter__()
        try:
            domains = custom_domains()
        except Exception:  # no database yet (migrate, test set-up): static hosts only
            domains = frozenset()
        yield from sorted(domains)
