#!/bin/bash
# Runs once, on the first start of the postgres service: one server, two databases
# (Airflow's metadata and storywatch's data), each owned by the same application user.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
create database airflow owner "$POSTGRES_USER";
create database storywatch owner "$POSTGRES_USER";
SQL
