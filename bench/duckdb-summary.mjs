// The DuckDB side of bench/validation.sh: a summary of every column of one Parquet file, computed by
// one SQL query over read_parquet(), printed as JSON on stdout.
//
//   node bench/duckdb-summary.mjs bench/data/vega-datasets-3.2.1/data/flights-3m.parquet
//
// Per column: count (non-null values) and count(DISTINCT) (exact, not approx_count_distinct, so that
// DuckDB does at least the work of Beamline's exact-then-HLL distinct count); for numeric columns also
// avg, stddev_pop, min, max and quantile_cont(col, [0.25, 0.5, 0.75]) (exact quartiles). Timestamps are
// summarised as microseconds since the epoch, as Beamline does. Before the summary, DESCRIBE reads
// the column names and types from the file's footer (no data pages), so that the query can be written.
//
// @duckdb/node-api is loaded from bench/work/duckdb (npm install --prefix bench/work/duckdb ...), or
// from the folder named by DUCKDB_NODE_PREFIX.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const prefix = process.env.DUCKDB_NODE_PREFIX ?? path.join(here, 'work', 'duckdb');
const { DuckDBInstance, version } = createRequire(path.join(prefix, 'package.json'))('@duckdb/node-api');

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: node bench/duckdb-summary.mjs <file.parquet>');
  process.exit(2);
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(.*\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;
const ident = (s) => '"' + s.replaceAll('"', '""') + '"';
const literal = (s) => "'" + s.replaceAll("'", "''") + "'";

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const source = `read_parquet(${literal(file)})`;

const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
  .getRowObjectsJson()
  .map((r) => ({ name: r.column_name, type: r.column_type }));

// One aggregate per (column, statistic), named "<column index>:<statistic>", all in one SELECT.
const select = ['count(*) AS "rows"'];
for (const [i, c] of columns.entries()) {
  const col = ident(c.name);
  const x = NUMERIC.test(c.type) ? col : TEMPORAL.test(c.type) ? `epoch_us(${col}::TIMESTAMP)` : null;
  select.push(`count(${col}) AS "${i}:count"`, `count(DISTINCT ${col}) AS "${i}:distinct"`);
  if (x !== null) {
    select.push(
      `avg(${x}) AS "${i}:mean"`,
      `stddev_pop(${x}) AS "${i}:stddev_pop"`,
      `min(${x}) AS "${i}:min"`,
      `max(${x}) AS "${i}:max"`,
      `quantile_cont(${x}, [0.25, 0.5, 0.75]) AS "${i}:quartiles"`);
  }
}
const sql = `SELECT\n  ${select.join(',\n  ')}\nFROM ${source}`;
const row = (await connection.runAndReadAll(sql)).getRowObjectsJson()[0];

// BIGINT results arrive as strings (lossless JSON); below 2^53 they are numbers again.
const num = (v) => (typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v);
const summary = { file, duckdb: version(), threads: null, rows: num(row.rows), columns: {} };
summary.threads = num((await connection.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJson()[0].t);
for (const [i, c] of columns.entries()) {
  const s = { type: c.type };
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith(`${i}:`)) s[k.slice(k.indexOf(':') + 1)] = Array.isArray(v) ? v.map(num) : num(v);
  }
  summary.columns[c.name] = s;
}
summary.sql = sql;
connection.closeSync();
instance.closeSync();
console.log(JSON.stringify(summary, null, 2));
