/**
 * Property tests of the JWT backend through a real server (one per property), for an HS256 backend (a `Redacted`
 * secret) and an RS256 one (a public key): whatever a client puts in `Authorization`, the answer is what the module
 * documents (no header or another scheme is anonymous, a Bearer token is its user or a 401 `invalid_token`, and
 * `requires` turns those into 200, 401 or 403), never a 500, and no response echoes the token. Time is the TestClock.
 */
import { Jwt } from "@effect-auth/jwt"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthenticationMiddleware, CurrentUser, requires } from "effect-auth"
import type { Reply } from "effect-auth/NodeTesting"
import { request, serve } from "effect-auth/NodeTesting"
import * as Arbitrary from "effect/Arbitrary"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import { base64url, exportSPKI, generateKeyPair, SignJWT } from "jose"
import { createHmac, KeyObject, sign as rsaSign } from "node:crypto"
import * as A from "./arbitraries.js"
import { AppUser, now, nowSeconds } from "./fixtures.js"

const runs = 100

// keys never change once made, so the suite makes them once (RSA key generation is slow)
const rsa = await generateKeyPair("RS256", { extractable: true })
const otherRsa = await generateKeyPair("RS256", { extractable: true })
const rsaPrivate = KeyObject.from(rsa.privateKey)
// the RSA public key as an HMAC secret: the classic algorithm confusion
const spki = new TextEncoder().encode(await exportSPKI(rsa.publicKey))
const secret = "a-shared-secret-of-at-least-32-bytes!"
const secretBytes = new TextEncoder().encode(secret)

// fixed bodies only, so that nothing a client sends can come back
const app = Layer.mergeAll(
  HttpRouter.add(
    "GET",
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? "signed in" : "anonymous"))
  ),
  HttpRouter.add("GET", "/guarded", HttpServerResponse.text("guarded").pipe(requires("read")))
).pipe(Layer.provide(AuthenticationMiddleware.layer))

const paths = A.constantFrom("/", "/guarded")

/** The claims of a genuine token, and whether they grant `read`. */
interface Claims {
  readonly payload: Record<string, unknown>
  readonly read: boolean
}

const base = {
  sub: "user-1",
  name: "Alice",
  iss: "https://issuer.test/",
  aud: "api",
  iat: nowSeconds,
  exp: nowSeconds + 60
}
const claimSets: ReadonlyArray<Claims> = [
  { payload: { ...base, scope: "read write" }, read: true },
  { payload: { ...base, scp: ["read"] }, read: true },
  { payload: base, read: false },
  { payload: { ...base, scope: "write" }, read: false }
]

interface Target {
  readonly name: string
  readonly alg: "HS256" | "RS256"
  readonly layer: Layer.Layer<AuthenticationBackend>
  /** A signature of `input` made with the backend's own key. */
  readonly signature: (input: string) => string
  /** Genuine tokens, one per claim set. */
  readonly tokens: ReadonlyArray<{ readonly token: string; readonly read: boolean }>
}

const signed = (claims: Claims, key: CryptoKey | KeyObject | Uint8Array, alg: string) =>
  new SignJWT(claims.payload).setProtectedHeader({ alg, typ: "JWT" }).sign(key)

const targets: ReadonlyArray<Target> = [
  {
    name: "HS256, a Redacted secret",
    alg: "HS256",
    layer: Jwt.layer({ algorithms: ["HS256"], key: Redacted.make(secret), claims: AppUser }),
    signature: (input) => createHmac("sha256", secretBytes).update(input).digest("base64url"),
    tokens: await Promise.all(
      claimSets.map(async (claims) => ({ token: await signed(claims, secretBytes, "HS256"), read: claims.read }))
    )
  },
  {
    name: "RS256, a public key",
    alg: "RS256",
    layer: Jwt.layer({
      algorithms: ["RS256"],
      key: rsa.publicKey,
      issuer: "https://issuer.test/",
      audience: "api",
      claims: AppUser
    }),
    signature: (input) => rsaSign("sha256", Buffer.from(input), rsaPrivate).toString("base64url"),
    tokens: await Promise.all(
      claimSets.map(async (claims) => ({ token: await signed(claims, rsa.privateKey, "RS256"), read: claims.read }))
    )
  }
]

// --- what the server must answer ---------------------------------------------------------------------------------

/** What the backend makes of a request: no Bearer token, a refused one, or a genuine token's user. */
type Outcome =
  | { readonly _tag: "Anonymous" }
  | { readonly _tag: "Refused" }
  | { readonly _tag: "User"; readonly read: boolean }

const anonymous: Outcome = { _tag: "Anonymous" }
const refused: Outcome = { _tag: "Refused" }

const invalidToken = `Bearer error="invalid_token"`

/** The documented answer to an outcome on a path: status, body and challenge. */
const answer = (outcome: Outcome, path: string) => {
  switch (outcome._tag) {
    case "Refused":
      return { status: 401, body: "Invalid token", challenge: invalidToken }
    case "Anonymous":
      // the backend's challenge is Bearer, so `requires` answers an anonymous request with 401
      return path === "/"
        ? { status: 200, body: "anonymous", challenge: null }
        : { status: 401, body: "Unauthorized", challenge: "Bearer" }
    case "User":
      return path === "/"
        ? { status: 200, body: "signed in", challenge: null }
        : outcome.read
        ? { status: 200, body: "guarded", challenge: null }
        : { status: 403, body: "Forbidden", challenge: null }
  }
}

// every string the server can answer with on its own: a token that is part of one proves nothing
const fixed = [
  "anonymous",
  "signed in",
  "guarded",
  "Invalid token",
  "Unauthorized",
  "Forbidden",
  "text/plain; charset=utf-8",
  invalidToken
]

// the token of an `Authorization` value is what follows the scheme
const credential = (value: string) => {
  const trimmed = value.trim()
  const space = trimmed.search(/[ \t]/)
  return space === -1 ? "" : trimmed.slice(space).trim()
}

// a server reads the scheme as the first word of the value, case-insensitively (RFC 7235)
const namesBearer = (value: string) => value.trim().split(/[ \t]/)[0]!.toLowerCase() === "bearer"

/**
 * Checks one reply: a documented status (never a 500), exactly the answer to one of `outcomes` (more than one only
 * where the test tolerates a known leniency), and nothing of the token in the body or the headers.
 */
const check = (reply: Reply, path: string, authorization: string, outcomes: ReadonlyArray<Outcome>) => {
  const context = `${reply.status} ${reply.body} for ${JSON.stringify(authorization)} on ${path}`
  assert.include([200, 401, 403], reply.status, context)
  const got = { status: reply.status, body: reply.body, challenge: reply.headers.get("www-authenticate") }
  assert.isTrue(
    outcomes.some((outcome) => {
      const want = answer(outcome, path)
      return want.status === got.status && want.body === got.body && want.challenge === got.challenge
    }),
    `${context}: expected ${JSON.stringify(outcomes.map((outcome) => answer(outcome, path)))}`
  )
  const token = credential(authorization)
  if (token.length >= 8 && !fixed.some((text) => text.includes(token))) {
    assert.notInclude(reply.body, token)
    for (const [name, value] of reply.headers) {
      if (name !== "date") assert.notInclude(value, token, name)
    }
  }
}

/**
 * One real server with the target's backend, the TestClock at `now`: first the genuine tokens are checked (so that
 * a property refusing everything cannot pass because the clock or the key is wrong), then `numRuns` requests.
 * Answers the statuses seen.
 */
const fuzz = <T>(
  target: Target,
  arbitrary: A.Arbitrary<T>,
  send: (
    value: T
  ) => Promise<{ readonly path: string; readonly authorization: string; readonly outcomes: ReadonlyArray<Outcome> }>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    const url = yield* serve(app)
    const get = (path: string, authorization: string) => request(`${url}${path}`, { headers: { authorization } })
    for (const { read, token } of target.tokens) {
      for (const path of ["/", "/guarded"]) {
        const authorization = `Bearer ${token}`
        check(yield* get(path, authorization), path, authorization, [{ _tag: "User", read }])
      }
    }
    const seen = new Set<number>()
    // a failed check is a falsification (shrunk, then reported with its input), not a defect
    const result = yield* Arbitrary.checkEffect(arbitrary, (value) =>
      Effect.gen(function*() {
        const { authorization, outcomes, path } = yield* Effect.promise(() => send(value))
        const reply = yield* get(path, authorization)
        seen.add(reply.status)
        yield* Effect.try({ try: () => check(reply, path, authorization, outcomes), catch: (error) => error })
        return true
      }), { runs })
    const failure = Arbitrary.formatCheckFailure(result)
    if (failure !== undefined) assert.fail(failure)
    return seen
  }).pipe(Effect.provide(target.layer))

// --- generators --------------------------------------------------------------------------------------------------

/**
 * One character a fetch client can put in a header value: printable ASCII, a tab, or a Latin-1 letter
 * (fetch refuses NUL, CR, LF and anything above U+00FF; it trims leading and trailing whitespace).
 */
const headerChar = A.oneof(
  { arbitrary: A.fromCodes(0x20, 0x7e), weight: 8 },
  { arbitrary: A.constant("\t"), weight: 1 },
  { arbitrary: A.fromCodes(0xa0, 0xff), weight: 1 }
)
const headerValue = (maxLength = 64) => A.stringOf(headerChar, { maxLength })

const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const segment = (maxLength = 48) => A.stringOf(A.constantFrom(...base64urlAlphabet), { maxLength })

const scheme = A.constantFrom("Bearer", "bearer", "BEARER", "bEaReR")

/** Scheme prefixes: whole, in any case, doubled spaces, a tab, cut short, or another scheme. */
const schemePrefix = A.oneof(
  A.constantFrom("Bearer ", "bearer ", "BEARER ", "Bearer  ", "Bearer\t", "Basic ", "Token ", "JWT "),
  A.map(A.integer(0, 7), (n) => "Bearer ".slice(0, n))
)

/** A genuine token of the target, and what it grants. */
const genuine = (target: Target) => A.constantFrom(...target.tokens)

/**
 * `token` with the last character of its signature respelt to each other character that base64url decodes to the
 * same bytes (decoders ignore the unused low bits: 2 of them for HS256's 43 characters, 4 for RS256's 342).
 */
const respellings = (token: string): ReadonlyArray<string> => {
  const unused = (6 * (token.length - token.lastIndexOf(".") - 1)) % 8
  const last = base64urlAlphabet.indexOf(token.at(-1)!)
  return [...base64urlAlphabet]
    .filter((_, i) => i !== last && i >> unused === last >> unused)
    .map((c) => token.slice(0, -1) + c)
}

// --- the properties ----------------------------------------------------------------------------------------------

for (const target of targets) {
  describe(`Jwt (${target.name}) under random Authorization values, through a real server`, () => {
    it.effect("random header values: anonymous without a Bearer scheme, else a 401; never signed in", () =>
      Effect.gen(function*() {
        const seen = yield* fuzz(
          target,
          A.all([
            paths,
            A.oneof(
              headerValue(),
              A.map(A.all([schemePrefix, headerValue()]), ([prefix, rest]) => prefix + rest),
              A.map(
                A.all([schemePrefix, A.array(segment(), { minLength: 1, maxLength: 4 })]),
                ([prefix, parts]) => prefix + parts.join(".")
              )
            )
          ]),
          ([path, authorization]) =>
            Promise.resolve({ path, authorization, outcomes: [namesBearer(authorization) ? refused : anonymous] })
        )
        assert.include([...seen], 200)
        assert.include([...seen], 401)
      }))

    it.effect("Bearer and 1 to 4 random base64url segments, or a genuine header and payload with random rest: 401", () =>
      Effect.gen(function*() {
        const seen = yield* fuzz(
          target,
          A.all([
            paths,
            scheme,
            A.oneof(
              A.map(A.array(segment(), { minLength: 1, maxLength: 4 }), (parts) => parts.join(".")),
              // the genuine header, and the genuine payload or not, with made-up rest
              A.map(
                A.all([genuine(target), A.boolean, segment(), segment(400)]),
                ([{ token }, keepPayload, payload, signature]) => {
                  const [header, genuinePayload] = token.split(".")
                  return `${header}.${keepPayload ? genuinePayload : payload}.${signature}`
                }
              )
            )
          ]),
          ([path, scheme, token]) => Promise.resolve({ path, authorization: `${scheme} ${token}`, outcomes: [refused] })
        )
        assert.deepStrictEqual([...seen], [401])
      }))

    it.effect("a genuine token with one character changed is refused (401), never 200", () =>
      Effect.gen(function*() {
        const seen = yield* fuzz(
          target,
          A.filter(
            A.all([
              paths,
              A.flatMap(genuine(target), (genuine) =>
                A.all([A.constant(genuine), A.integer(0, genuine.token.length - 1)])),
              A.oneof(
                { arbitrary: A.constantFrom(...base64urlAlphabet), weight: 4 },
                { arbitrary: A.constantFrom(".", "=", "+", "/", "~", " ", "%"), weight: 1 },
                { arbitrary: A.fromCodes(0x21, 0x7e), weight: 1 }
              )
            ]),
            ([, [{ token }, index], c]) =>
              token[index] !== c
          ),
          ([path, [{ token }, index], c]) => {
            const flipped = token.slice(0, index) + c + token.slice(index + 1)
            return Promise.resolve({
              path,
              authorization: `Bearer ${flipped}`,
              // even the genuine signature bytes, spelt another way, are refused: one token, one spelling
              outcomes: [refused]
            })
          }
        )
        assert.include([...seen], 401)
      }))

    it.effect("a genuine signature respelt in its unused low bits is refused: one token, one spelling", () =>
      Effect.gen(function*() {
        const variants = target.tokens.flatMap(({ token }) => respellings(token))
        assert.isNotEmpty(variants)
        const seen = yield* fuzz(
          target,
          A.all([paths, A.constantFrom(...variants)]),
          ([path, variant]) => Promise.resolve({ path, authorization: `Bearer ${variant}`, outcomes: [refused] })
        )
        assert.deepStrictEqual([...seen], [401])
      }))

    it.effect("genuine claims signed with another key, or in an algorithm not pinned, are refused (401)", () =>
      Effect.gen(function*() {
        const otherSecret = A.map(
          A.filter(A.string({ minLength: 1, maxLength: 64 }), (s) => s !== secret),
          (s) => new TextEncoder().encode(s)
        )
        const resign: A.Arbitrary<readonly [string, CryptoKey | KeyObject | Uint8Array]> = target.alg === "HS256"
          ? A.oneof<readonly [string, CryptoKey | KeyObject | Uint8Array]>(
            A.all([A.constantFrom("HS256", "HS384", "HS512"), otherSecret]),
            // the right secret, in an algorithm the backend does not take
            A.all([A.constantFrom("HS384", "HS512"), A.constant(secretBytes)]),
            A.constant(["RS256", otherRsa.privateKey] as const)
          )
          : A.oneof<readonly [string, CryptoKey | KeyObject | Uint8Array]>(
            A.constant(["RS256", otherRsa.privateKey] as const),
            // the right key, in an algorithm the backend does not take (a KeyObject: a CryptoKey is bound to its hash)
            A.all([A.constantFrom("RS384", "RS512", "PS256"), A.constant(rsaPrivate)]),
            // the public key as an HMAC secret (algorithm confusion), or any secret
            A.all([A.constantFrom("HS256", "HS384"), A.oneof<Uint8Array>(A.constant(spki), otherSecret)])
          )
        const seen = yield* fuzz(
          target,
          A.all([paths, A.constantFrom(...claimSets), resign]),
          async ([path, claims, [alg, key]]) => ({
            path,
            authorization: `Bearer ${await signed(claims, key, alg)}`,
            outcomes: [refused]
          })
        )
        assert.deepStrictEqual([...seen], [401])
      }))

    it.effect("hand-built tokens (alg none, HS256, ...): only the backend's algorithm and key make a user", () =>
      Effect.gen(function*() {
        const alg = A.oneof<string>(
          { arbitrary: A.constant(target.alg), weight: 4 },
          { arbitrary: A.constantFrom("none", "None", "NONE", "nOnE", ""), weight: 2 },
          { arbitrary: A.constantFrom("HS256", "HS384", "RS256", "PS256", "hs256", "ES256"), weight: 2 },
          { arbitrary: A.string({ maxLength: 8 }), weight: 1 }
        )
        // each member present or not
        const optional = <T>(value: A.Arbitrary<T>) => A.oneof<T | undefined>(A.constant(undefined), value)
        const header = A.map(
          A.all([
            optional(alg),
            optional(A.constantFrom("JWT", "jwt", "at+jwt")),
            optional(A.string({ maxLength: 12 })),
            // now and then an extension the backend does not know, which it must refuse
            A.oneof({ arbitrary: A.constant(false), weight: 4 }, { arbitrary: A.constant(true), weight: 1 })
          ]),
          ([alg, typ, kid, crit]): { readonly alg?: string; readonly crit?: ReadonlyArray<string> } => {
            const header = Object.fromEntries(
              Object.entries({ alg, typ, kid }).filter(([, value]) => value !== undefined)
            ) as { readonly alg?: string }
            return crit ? { ...header, crit: ["exp"] } : header
          }
        )
        const payload = A.oneof<{ readonly payload: unknown; readonly read: boolean }>(
          { arbitrary: A.constantFrom(...claimSets), weight: 3 },
          // anything else (never with `exp`, which the backend requires, so never a user)
          {
            arbitrary: A.map(
              A.filter(A.jsonValue, (v) => typeof v !== "object" || v === null || Array.isArray(v) || !("exp" in v)),
              (value) => ({ payload: value, read: false })
            ),
            weight: 1
          }
        )
        type How =
          | { readonly _tag: "Own" }
          | { readonly _tag: "Empty" }
          | { readonly _tag: "Spki" }
          | { readonly _tag: "Random"; readonly text: string }
        const signature = A.oneof<How>(
          { arbitrary: A.constant({ _tag: "Own" }), weight: 3 },
          { arbitrary: A.constant({ _tag: "Empty" }), weight: 1 },
          { arbitrary: A.constant({ _tag: "Spki" }), weight: 1 },
          { arbitrary: A.map(segment(400), (text) => ({ _tag: "Random", text }) as const), weight: 1 }
        )
        const seen = yield* fuzz(
          target,
          A.all([paths, header, payload, signature]),
          ([path, header, claims, how]) => {
            const input = `${base64url.encode(JSON.stringify(header))}.${
              base64url.encode(JSON.stringify(claims.payload))
            }`
            const text = how._tag === "Own"
              ? target.signature(input)
              : how._tag === "Spki"
              ? createHmac("sha256", spki).update(input).digest("base64url")
              : how._tag === "Random"
              ? how.text
              : ""
            const user = header.alg === target.alg && header.crit === undefined && how._tag === "Own" &&
              claimSets.some((genuine) => genuine === claims)
            return Promise.resolve({
              path,
              authorization: `Bearer ${input}.${text}`,
              outcomes: [user ? { _tag: "User", read: claims.read } : refused]
            })
          }
        )
        assert.include([...seen], 200)
        assert.include([...seen], 401)
      }))
  })
}
