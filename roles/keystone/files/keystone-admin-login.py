#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Exits 0 when admin logs in to Keystone, scoped to the admin project, with the
# password in OS_BOOTSTRAP_PASSWORD: the guard of the keystone.bootstrap step
# (roles/keystone/role.ts), true once `keystone-manage bootstrap` has run with
# that password. The password is read from the environment, never from argv.
#
# Usage: keystone-admin-login URL      URL is …/v3/auth/tokens
import json
import os
import sys
import urllib.request

if len(sys.argv) != 2:
    sys.exit("usage: keystone-admin-login URL (password in OS_BOOTSTRAP_PASSWORD)")
default = {"id": "default"}
user = {"name": "admin", "domain": default, "password": os.environ["OS_BOOTSTRAP_PASSWORD"]}
body = {
    "auth": {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"name": "admin", "domain": default}},
    }
}
request = urllib.request.Request(sys.argv[1], json.dumps(body).encode(), {"Content-Type": "application/json"})
# A refused login raises HTTPError (401), which exits non-zero.
urllib.request.urlopen(request, timeout=10)
