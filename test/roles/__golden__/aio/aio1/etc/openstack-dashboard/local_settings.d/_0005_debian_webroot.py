# Managed by Stackhouse (roles/horizon). Debian's openstack-dashboard-apache
# postinst rewrites this WEBROOT line; it equals the one in ../local_settings.py.
WEBROOT = '/horizon'
