"""The cache policy of every step: ZenML's default key plus the domain code's hash."""

from zenml.config import CachePolicy

from hawkeye.provenance import code_version

# A step's source rarely changes; the hawkeye code it calls does. Without this a fixed
# feature definition would be served stale features from the cache.
DOMAIN_CACHE = CachePolicy(cache_func=code_version)
