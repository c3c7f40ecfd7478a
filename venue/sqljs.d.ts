// The part of sql.js (SQLite compiled to WebAssembly) the venue uses.
declare module "sql.js" {
  type Value = number | string | Uint8Array | null;
  interface Statement {
    bind(values?: Record<string, Value> | Value[]): boolean;
    step(): boolean;
    getAsObject(): Record<string, Value>;
    free(): boolean;
  }
  interface Database {
    run(sql: string, params?: Record<string, Value> | Value[]): Database;
    exec(sql: string): unknown;
    prepare(sql: string): Statement;
    export(): Uint8Array;
    close(): void;
  }
  interface SqlJsStatic {
    Database: new (data?: ArrayLike<number> | Buffer | null) => Database;
  }
  export default function initSqlJs(config?: object): Promise<SqlJsStatic>;
  export type { Database, Statement, Value };
}
