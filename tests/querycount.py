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
