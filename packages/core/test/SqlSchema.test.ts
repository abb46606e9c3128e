import { assert, describe, it } from "vitest"
import * as SqlSchema from "../src/SqlSchema.js"

// table name -> its columns, each "name TYPE constraints", whitespace folded, from a dialect's CREATE TABLEs
const tablesOf = (dialect: SqlSchema.Dialect): Map<string, ReadonlyArray<string>> => {
  const tables = new Map<string, ReadonlyArray<string>>()
  for (const migration of SqlSchema.migrations[dialect]) {
    for (const statement of migration.statements) {
      const match = /^CREATE TABLE (\w+) \(([\s\S]*)\)$/.exec(statement.trim())
      if (match === null) continue
      tables.set(match[1]!, match[2]!.split(",").map((column) => column.trim().replace(/\s+/g, " ")))
    }
  }
  return tables
}

describe("SqlSchema", () => {
  it("the same tables, with the same columns, in SQLite and PostgreSQL", () => {
    const sqlite = tablesOf("sqlite")
    const pg = tablesOf("pg")
    assert.deepStrictEqual([...sqlite.keys()].sort(), [
      "effect_auth_sessions",
      "effect_auth_throttle",
      "effect_auth_users"
    ])
    assert.deepStrictEqual([...pg.keys()].sort(), [...sqlite.keys()].sort())
    for (const [table, columns] of sqlite) {
      assert.deepStrictEqual(pg.get(table), columns, table)
    }
  })

  it("the same migrations, by id and name, in the same order, in every dialect", () => {
    const names = (dialect: SqlSchema.Dialect) => SqlSchema.migrations[dialect].map(({ id, name }) => `${id}_${name}`)
    assert.deepStrictEqual(names("sqlite"), ["1_initial"])
    assert.deepStrictEqual(names("pg"), names("sqlite"))
  })

  it("the portable types only: TEXT, INTEGER and BIGINT", () => {
    for (const dialect of ["sqlite", "pg"] as const) {
      for (const [table, columns] of tablesOf(dialect)) {
        for (const column of columns) {
          assert.match(column, /^\w+ (TEXT|INTEGER|BIGINT)\b/, `${dialect} ${table}`)
        }
      }
    }
  })
})
