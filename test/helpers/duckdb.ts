// An in-memory DuckDB (an independent reader of pcapflow's Parquet, CSV and JSON Lines) for the tests of one file.
import { afterAll, beforeAll } from '@jest/globals';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Opens the database before the file's tests and closes it after them; `con` is valid inside the tests. */
export function inMemoryDuckDb(): { readonly con: DuckDBConnection } {
  let db: DuckDBInstance | null = null;
  let con: DuckDBConnection | null = null;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    con = await db.connect();
  });
  afterAll(() => {
    con?.closeSync();
    db?.closeSync();
  });
  return {
    get con(): DuckDBConnection {
      if (con === null) throw new Error('DuckDB is not open (outside the tests of the file?)');
      return con;
    },
  };
}
