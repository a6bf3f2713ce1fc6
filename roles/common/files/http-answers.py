#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Exits 0 when URL answers HTTP at all, whatever the status: the probe of the
# steps that wait for an API (installer/render/steps.ts waitForHttp). Services
# under uwsgi take seconds to listen after systemd reports them started.
#
# Usage: http-answers URL
import sys
import urllib.error
import urllib.request

if len(sys.argv) != 2:
    sys.exit("usage: http-answers URL")
url = sys.argv[1]
try:
    urllib.request.urlopen(url, timeout=5)
except urllib.error.HTTPError:
    pass  # 401, 404, 300…: the server answered, which is all this asks.
except OSError as e:
    # One line for the engine's timeout message instead of a traceback.
    sys.exit(f"no answer from {url}: {getattr(e, 'reason', e)}")
