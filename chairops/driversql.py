"""The hottest statements, compiled once and run on the pooled driver connection.

A sign-up rush is mostly people reading an event's free times and a few claiming one. For those
few statements SQLAlchemy's execution layer (the compiled-cache lookup, parameter processing,
result objects, and for entities the ORM's row loading) costs more CPU than PostgreSQL spends
running the prepared statement (bench/claim_rush.py). A DriverStatement keeps the statement
written in SQLAlchemy, compiles it once per dialect, and runs it on the session's connection the
way `Connection.exec_driver_sql` does (events, echo, errors wrapped, a lost connection noticed)
but reads the driver's rows directly, converting parameters and columns with the statement's own
types, so callers get the values `session.execute` would give them, on PostgreSQL and SQLite.

A statement given here must render no "expanding" IN lists: write constant lists inline.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


class DriverStatement:
    """A SQLAlchemy statement (select, or text with typed columns) run lean; see the module."""

    def __init__(self, statement) -> None:
        self.statement = statement
        keys = [column.key for column in statement.selected_columns]
        self.row = namedtuple("Row", keys, rename=True)
        self._compiled: dict[tuple[str, str], tuple] = {}

    def rows(self, db: Session | Connection, params: dict[str, Any]) -> list[tuple]:
        """Every row, as named tuples with the statement's column keys, read on the session's
        connection or on the connection given."""
        return [self.row._make(row) for row in self.tuples(db, params)]

    def tuples(self, db: Session | Connection, params: dict[str, Any]) -> list[tuple]:
        """Every row, unnamed, its values in the statement's column order (rows() names them)."""
        connection = db if isinstance(db, Connection) else db.connection()
        sql, values = self.bound(connection.dialect, params)
        results = self._for(connection.dialect)[3]
        cursor = connection.connection.cursor()
        try:
            # What exec_driver_sql does for a statement, without building a result object for
            # it: cursor events, echo, error wrapping and disconnect handling (a private method
            # of SQLAlchemy's, kept since 1.x; tests/integration/test_driversql.py checks it).
            connection._cursor_execute(cursor, sql, values)
            raw = cursor.fetchall()
        finally:
            cursor.close()
        return [_converted(row, results) for row in raw] if results else raw

    def bound(self, dialect, params: dict[str, Any]) -> tuple[str, Any]:
        """The SQL for this dialect and the driver's parameters for `params`, as sent."""
        sql, compiled, binds, _ = self._for(dialect)
        values = compiled.construct_params(params)
        for name, process in binds:
            values[name] = process(values[name])
        if dialect.positional:
            values = tuple(values[name] for name in compiled.positiontup)
        return sql, values

    def one(self, db: Session | Connection, params: dict[str, Any]) -> tuple:
        (row,) = self.rows(db, params)
        return row

    def _for(self, dialect):
        """The SQL, its compiled form and the bind and result conversions, once per dialect."""
        key = (dialect.name, dialect.driver)
        done = self._compiled.get(key)
        if done is None:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.post_compile_params:
                raise ValueError("write IN lists inline: an expanding IN is rendered per call")
            binds = [
                (name, process)
                for name, bind in compiled.binds.items()
                if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
            ]
            results = {
                index: process
                for index, column in enumerate(self.statement.selected_columns)
                if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
                is not None
            }
            done = self._compiled[key] = (str(compiled), compiled, binds, results)
        return done


def _converted(row, results: dict):
    values = list(row)
    for index, process in results.items():
        if values[index] is not None:
            values[index] = process(values[index])
    return values
