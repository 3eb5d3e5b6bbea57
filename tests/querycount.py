"""Count the SQL statements a block of code sends."""

from contextlib import contextmanager

from sqlalchemy import event

from chairops.extensions import autocommit_twin, db


@contextmanager
def counting_queries():
    """Yield a list that fills with each statement sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    # Reads outside a transaction go to the engine's autocommit twin: count both pools (on
    # SQLite the twin is the same pool, whose listeners it shares).
    twin = autocommit_twin(db.engine)
    engines = [db.engine] if twin.pool is db.engine.pool else [db.engine, twin]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


@contextmanager
def counting_round_trips(monkeypatch):
    """Yield a list that fills with what psycopg sends inside the block, each a round trip to
    PostgreSQL: every statement, and every transaction command (BEGIN, COMMIT, ROLLBACK,
    SAVEPOINT, ...), which psycopg sends through its internal _exec_command (were a new psycopg
    to rename it, setattr fails and so does the test)."""
    from psycopg._connection_base import BaseConnection

    send_command = BaseConnection._exec_command
    with counting_queries() as sent:

        def command(self, query, *args, **kwargs):
            sent.append(query.decode() if isinstance(query, bytes) else str(query))
            return send_command(self, query, *args, **kwargs)

        monkeypatch.setattr(BaseConnection, "_exec_command", command)
        try:
            yield sent
        finally:
            monkeypatch.setattr(BaseConnection, "_exec_command", send_command)
