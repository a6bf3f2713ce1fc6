# Managed by Stackhouse (roles/horizon). Imported by openstack_dashboard.settings
# as local.local_settings (Debian links it there); the snippets in
# local_settings.d/ are exec'd after this file and override it.
DEBUG = False

# NOTE: must match the Apache alias; Debian's postinst keeps the same value in
# local_settings.d/_0005_debian_webroot.py.
WEBROOT = '/horizon'
# One line in the format openstack-dashboard's postinst rewrites it to on upgrades.
ALLOWED_HOSTS = [ '192.168.50.10', ]

# NOTE: set here rather than in Debian's secret-key/.secret_key_store, which the
# postinst deletes on every upgrade and which would differ between control hosts.
SECRET_KEY = 'fake-horizon-secret-key'

OPENSTACK_HOST = '192.168.50.10'
OPENSTACK_KEYSTONE_URL = 'http://192.168.50.10:5000/v3'
OPENSTACK_API_VERSIONS = {
    'identity': 3,
}
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
OPENSTACK_NEUTRON_NETWORK = {
    'enable_router': True,
    'enable_quotas': True,
    'enable_ipv6': True,
    'enable_fip_topology_check': True,
    'enable_distributed_router': False,
    'enable_ha_router': False,
    'physical_networks': [],
    'default_dns_nameservers': [],
}

# Sessions live in memcached, shared by every control host.
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
        'LOCATION': ['192.168.50.10:11211'],
    },
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

TIME_ZONE = 'UTC'
