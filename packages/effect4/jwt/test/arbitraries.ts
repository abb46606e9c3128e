/**
 * The few generators the fuzz tests need, built on `effect/Arbitrary` (Effect 4 bundles no fast-check): each is a
 * Schema-derived integer or value, mapped or chosen from.
 */
import { Schema } from "effect"
import * as Arbitrary from "effect/Arbitrary"

export type { Arbitrary } from "effect/Arbitrary"

/** An integer from `min` to `max`, both included. */
export const integer = (min: number, max: number): Arbitrary.Arbitrary<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: min, maximum: max })))

export const boolean: Arbitrary.Arbitrary<boolean> = Arbitrary.schema(Schema.Boolean)

export const constant = <const A>(value: A): Arbitrary.Arbitrary<A> => Arbitrary.Constant(value)

/** One of `values`, each as likely. */
export const constantFrom = <const A>(...values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> =>
  Arbitrary.map(integer(0, values.length - 1), (i) => values[i]!)

/** One of the generators, each chosen as often as its weight says (1 when none is given). */
export const oneof = <A>(
  ...choices: ReadonlyArray<
    Arbitrary.Arbitrary<A> | { readonly arbitrary: Arbitrary.Arbitrary<A>; readonly weight: number }
  >
): Arbitrary.Arbitrary<A> => {
  const weighted = choices.map((choice) => Arbitrary.isArbitrary(choice) ? { arbitrary: choice, weight: 1 } : choice)
  const total = weighted.reduce((sum, { weight }) => sum + weight, 0)
  return Arbitrary.flatMap(integer(0, total - 1), (n) => {
    for (const { arbitrary, weight } of weighted) {
      if (n < weight) return arbitrary
      n -= weight
    }
    return weighted[0]!.arbitrary
  })
}

/** A character with one of the codes from `min` to `max`. */
export const fromCodes = (min: number, max: number): Arbitrary.Arbitrary<string> =>
  Arbitrary.map(integer(min, max), (code) => String.fromCharCode(code))

/** A string of `unit`s. */
export const stringOf = (
  unit: Arbitrary.Arbitrary<string>,
  options: Arbitrary.ArrayOptions = {}
): Arbitrary.Arbitrary<string> => Arbitrary.map(Arbitrary.array(unit, options), (units) => units.join(""))

/** Any string of printable ASCII and some Unicode. */
export const string = (options: Arbitrary.ArrayOptions = {}): Arbitrary.Arbitrary<string> =>
  stringOf(
    oneof({ arbitrary: fromCodes(0x20, 0x7e), weight: 8 }, fromCodes(0xa0, 0x17f), fromCodes(0x4e00, 0x4e20)),
    options
  )

/** A JSON value two levels deep at most: a primitive, or an array or an object of primitives. */
export const jsonValue: Arbitrary.Arbitrary<unknown> = (() => {
  const primitive = oneof<unknown>(
    constant(null),
    boolean,
    integer(-1e9, 1e9),
    string({ maxLength: 12 })
  )
  const entries = Arbitrary.array(Arbitrary.all([string({ maxLength: 6 }), primitive]), { maxLength: 4 })
  return oneof<unknown>(
    { arbitrary: primitive, weight: 2 },
    Arbitrary.array(primitive, { maxLength: 4 }),
    Arbitrary.map(entries, (pairs) => Object.fromEntries(pairs))
  )
})()

export const { all, array, filter, flatMap, map } = Arbitrary
