"""What the service and the library remember, kept in one of two databases through one seam: SQLite files in
the data folder (the default, one machine) or one PostgreSQL (TRANSLATOR_DATABASE_URL, any number of
machines). `database` connects and runs statements, `dialect` is what differs between the two, `schema` creates
and migrates the tables, `layout` names a data folder's files, `copy` moves a data folder into PostgreSQL."""

from translator.store.database import Database, StoreError, open_database, open_sqlite

__all__ = ["Database", "StoreError", "open_database", "open_sqlite"]
