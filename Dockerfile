# storywatch on the official Airflow image: the same hash-pinned lock file as `make install`.
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/storywatch
COPY --chown=airflow:0 requirements.lock pyproject.toml README.md LICENSE ./
# The lock pins every package by hash (Airflow included), so the image is what `make install`
# gives. tests/unit/test_compose.py checks that these two pip lines are the Makefile's.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY --chown=airflow:0 plugins ./plugins
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 seeds ./seeds
COPY --chown=airflow:0 sql ./sql
# Editable: docker-compose.yml mounts the checkout's plugins/ over ./plugins, and the installed
# package is then the mounted code.
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e .

ENV STORYWATCH_SEEDS_DIR=/opt/storywatch/seeds \
    STORYWATCH_SQL_DIR=/opt/storywatch/sql \
    STORYWATCH_HOME=/opt/airflow/storywatch \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/storywatch/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/storywatch/plugins
WORKDIR /opt/airflow
