"""The engine of `make run` and `make test`: embedded PostgreSQL and Redis when needed."""

import environ
import psycopg2
import pytest
import redis

from carm import localservices


def test_embedded_postgresql_and_redis_start_answer_and_stop(tmp_path):
    # The embedded PostgreSQL runs as its own system user: it must be able to reach home.
    tmp_path.chmod(0o755)
    with localservices.embedded_postgres(tmp_path) as database_url:
        config = environ.Env.db_url_config(database_url)
        assert config["ENGINE"] == "django.db.backends.postgresql"
        connection = psycopg2.connect(
            host=config["HOST"], user=config["USER"], dbname=config["NAME"]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone() == ("carm",)
        connection.close()
        socket = localservices.database_address(database_url)
        assert localservices.reachable(socket)
    assert not localservices.reachable(socket)

    with localservices.embedded_redis(tmp_path) as redis_url:
        client = redis.Redis.from_url(redis_url)
        assert client.ping()
        client.close()
        address = localservices.redis_address(redis_url)
        assert localservices.reachable(address)
    assert not localservices.reachable(address)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("postgres://postgres@127.0.0.1:5432/carm", ("127.0.0.1", 5432)),
        ("postgres://u:p@db.example:6543/carm", ("db.example", 6543)),
        ("postgres://postgres@//srv/pg/data/carm", "/srv/pg/data/.s.PGSQL.5432"),
    ],
)
def test_database_address(url, address):
    assert localservices.database_address(url) == address


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("redis://127.0.0.1:6379/0", ("127.0.0.1", 6379)),
        ("redis://cache", ("cache", 6379)),
        ("unix:///srv/redis.sock?db=0", "/srv/redis.sock"),
    ],
)
def test_redis_address(url, address):
    assert localservices.redis_address(url) == address


def test_nothing_answers_on_a_closed_port():
    assert not localservices.reachable(("127.0.0.1", 9))


def test_the_logins_wait_for_the_portal_to_answer(tmp_path):
    import socket
    import subprocess
    import sys

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    address = listening.getsockname()
    waiting = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    try:
        assert localservices.when_answering(address, [waiting])
        listening.close()
        # Nothing answers and a child stops: no logins, no endless wait.
        waiting.stdin.close()
        assert not localservices.when_answering(address, [waiting])
    finally:
        waiting.kill()
        waiting.wait()


def test_job_output_goes_to_a_log_file(tmp_path):
    with localservices.log_file("worker", logs=tmp_path / "logs") as log:
        log.write("one\n")
    with localservices.log_file("worker", logs=tmp_path / "logs") as log:
        log.write("two\n")
    assert (tmp_path / "logs" / "worker.log").read_text() == "one\ntwo\n"


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file
