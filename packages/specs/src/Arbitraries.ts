/**
 * Generators of what clients send in credentials (header values, base64-ish text, scheme prefixes, tokens, keys),
 * with fast-check: the inputs of the parser specs, shared by both Effect lines.
 */
import * as FastCheck from "fast-check"

const fromCodes = (min: number, max: number) => FastCheck.integer({ min, max }).map((code) => String.fromCharCode(code))

/**
 * One character a fetch client can put in a header value: printable ASCII, a tab, or a Latin-1 letter
 * (fetch refuses NUL, CR, LF and anything above U+00FF; it trims leading and trailing whitespace).
 */
export const headerChar: FastCheck.Arbitrary<string> = FastCheck.oneof(
  { arbitrary: fromCodes(0x20, 0x7e), weight: 8 },
  { arbitrary: FastCheck.constant("\t"), weight: 1 },
  { arbitrary: fromCodes(0xa0, 0xff), weight: 1 }
)

/** A header value of any characters a client can send. */
export const headerValue = (maxLength = 64): FastCheck.Arbitrary<string> =>
  FastCheck.string({ unit: headerChar, maxLength })

/** Text made mostly of base64 and b64token characters, with a few that break them. */
export const base64ish = (maxLength = 48): FastCheck.Arbitrary<string> =>
  FastCheck.string({
    unit: FastCheck.oneof(
      {
        arbitrary: FastCheck.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        weight: 12
      },
      { arbitrary: FastCheck.constantFrom("=", "-", ".", "_", "~"), weight: 2 },
      { arbitrary: FastCheck.constantFrom(" ", ":", "!", ",", "\t", "é", "%"), weight: 1 }
    ),
    maxLength
  })

/** Random prefixes and case variants of `scheme` followed by a space, e.g. `Basic `, `bas`, `BEARER  `. */
export const schemePrefix = (scheme: string): FastCheck.Arbitrary<string> =>
  FastCheck.oneof(
    FastCheck.constantFrom(
      `${scheme} `,
      `${scheme.toLowerCase()} `,
      `${scheme.toUpperCase()} `,
      `${scheme}  `,
      `${scheme}\t`
    ),
    FastCheck.integer({ min: 0, max: scheme.length + 1 }).map((n) => `${scheme} `.slice(0, n))
  )

/** Values of an `Authorization` header aimed at `scheme`: junk, base64-ish text after a (partial) scheme, or both. */
export const authorization = (scheme: string): FastCheck.Arbitrary<string> =>
  FastCheck.oneof(
    headerValue(),
    FastCheck.tuple(schemePrefix(scheme), base64ish()).map(([prefix, rest]) => prefix + rest),
    FastCheck.tuple(schemePrefix(scheme), headerValue()).map(([prefix, rest]) => prefix + rest)
  )

/** A well-formed RFC 6750 `b64token`: `[A-Za-z0-9-._~+/]+=*`. */
export const b64token = (maxLength = 48): FastCheck.Arbitrary<string> =>
  FastCheck.tuple(
    FastCheck.string({
      unit: FastCheck.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"),
      minLength: 1,
      maxLength
    }),
    FastCheck.integer({ min: 0, max: 2 })
  ).map(([token, padding]) => token + "=".repeat(padding))

/** A key of visible ASCII, the only kind `ApiKey` accepts. */
export const visibleKey = (maxLength = 48): FastCheck.Arbitrary<string> =>
  FastCheck.string({ unit: fromCodes(0x21, 0x7e), minLength: 1, maxLength })
