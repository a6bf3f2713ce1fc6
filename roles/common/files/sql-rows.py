#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Prints the rows of an SQL query, one line each, fields separated by spaces.
# Bootstrap guards ask a service's database this way (installer/render/schema-state.ts):
# a manage tool takes 2-5 s just to start, a query over pymysql (which every
# service already uses) a tenth of a second.
#
# Usage: sql-rows HOST USER DATABASE QUERY
# The password is read from STACKHOUSE_DB_PASSWORD, never from argv (ps shows argv).
import os
import sys

import pymysql

if len(sys.argv) != 5:
    sys.exit("usage: sql-rows HOST USER DATABASE QUERY (password in STACKHOUSE_DB_PASSWORD)")
host, user, database, query = sys.argv[1:]
connection = pymysql.connect(
    host=host,
    user=user,
    password=os.environ["STACKHOUSE_DB_PASSWORD"],
    database=database,
    connect_timeout=10,
)
cursor = connection.cursor()
cursor.execute(query)
for row in cursor.fetchall():
    print(*row)
