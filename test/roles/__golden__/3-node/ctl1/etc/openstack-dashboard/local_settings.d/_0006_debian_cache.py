# Managed by Stackhouse (roles/horizon). Debian's copy of this snippet sets CACHES
# to a per-process LocMemCache, overriding local_settings.py: sessions would not
# survive a request landing in another process. CACHES is in ../local_settings.py.
