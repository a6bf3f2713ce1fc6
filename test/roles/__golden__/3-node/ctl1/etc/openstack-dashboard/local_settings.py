# Managed by Stackhouse (roles/horizon). Imported by openstack_dashboard.settings
# as local.local_settings (Debian links it there); the snippets in
# local_settings.d/ are exec'd after this file and override it.
DEBUG = False

# NOTE: must match the Apache alias; Debian's postinst keeps the same value in
# local_settings.d/_0005_debian_webroot.py.
WEBROOT = '/horizon'
# One line in the format openstack-dashboard's postinst rewrites it to on upgrades.
ALLOWED_HOSTS = [ 'cloud.example.test', '10.1.0.11', ]

# NOTE: set here rather than in Debian's secret-key/.secret_key_store, which the
# postinst deletes on every upgrade and which would differ between control hosts.
SECRET_KEY = 'fake-horizon-secret-key'

OPENSTACK_HOST = 'cloud.example.test'
OPENSTACK_KEYSTONE_URL = 'https://cloud.example.test:5000/v3'
# The CA that verifies the cloud's https endpoints (Debian's bundle, which holds the deployment's CA).
OPENSTACK_SSL_CACERT = '/etc/ssl/certs/ca-certificates.crt'
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
    'physical_networks': ['physnet1'],
    'default_dns_nameservers': [],
}

# Sessions live in memcached, shared by every control host.
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
        'LOCATION': ['10.1.0.11:11211'],
    },
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

TIME_ZONE = 'UTC'
