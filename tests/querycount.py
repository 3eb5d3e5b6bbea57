"""Count the SQL statements a block of code sends."""

from contextlib import contextmanager

from sqlalchemy import event

from chairops.extensions import db


@contextmanager
def counting_queries():
    """Yield a list that fills with each statement sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
