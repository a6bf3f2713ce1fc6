#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Prints the head revision of the alembic migrations an installed package ships,
# so a "database at its newest migration" guard follows package upgrades
# (installer/render/steps.ts atAlembicHead, roles/cinder/deploy.ts).
#
# Usage: alembic-head MODULE        the tree beside MODULE's __init__.py (nova.db.main)
#        alembic-head PATH.ini      that alembic.ini (no import of the service's code)
import importlib
import os
import sys

from alembic.config import Config
from alembic.script import ScriptDirectory

if len(sys.argv) != 2:
    sys.exit("usage: alembic-head MODULE | PATH/alembic.ini")
target = sys.argv[1]
if target.endswith(".ini"):
    ini = target
else:
    module = importlib.import_module(target)
    ini = os.path.join(os.path.dirname(module.__file__), "alembic.ini")
print(ScriptDirectory.from_config(Config(ini)).get_current_head())
