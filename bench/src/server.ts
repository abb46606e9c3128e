/**
 * One bench server: `tsx src/server.ts <variant> [<variant> …]` serves each variant's one-route app on 127.0.0.1 on a
 * free port, all from ONE process (so that no difference between two processes, JIT decisions or where the OS
 * schedules them, counts as a difference between the apps), and prints one JSON line once all listen:
 * `{"ports":[…],"headers":[{…},…]}`, the headers being what a client of each app sends (its credentials).
 *
 * Variants (every authenticated one guards its route with `requires("authenticated")`, and is sent valid credentials):
 * - plain, plain2: the route, no authentication (plain2 is an A/A control of the bench itself); plain-header: the
 *   same, sent the Basic variants' `Authorization` header
 * - install, provide-service: floors, one context entry installed around plain (the library's way, and
 *   `Effect.provideService`), no backend
 * - basic: Basic, the password checked against a real scrypt hash by `Password.Verifier` (hashed once, then cached)
 * - basic-equals: Basic, the password compared in constant time with a known one (what the alternatives do)
 * - auth: the core path alone: the middleware, Basic whose `verify` accepts at once, `requires`
 * - bearer, apikey: an opaque token / an `x-api-key` header compared in constant time with a known one
 * - jwt-hs256, jwt-es256: `@effect-auth/jwt` with a local key; jwt-jwks: ES256 keys from a local key-set server
 *   (fetched once, then cached)
 * - session-memory, session-sqlite, session-pg: signed session cookies in the memory store, SQLite (a file in the
 *   temporary folder) and PostgreSQL (`DATABASE_URL`)
 * - parse-only, frame-only, fiberref, by-hand: the authenticated path's pieces one at a time, and the
 *   whole path written by hand at the least cost an install can have (see the comments there and ./rotation.ts);
 *   compute-5us: a control of known cost
 * - middleware-only: the middleware and Basic (equals), no `requires`; anonymous: a backend that finds no credentials
 * - httpapi-plain, httpapi-security, httpapi-effect-auth: one HttpApi endpoint; behind `HttpApiSecurity.basic` and a
 *   hand-written `HttpApiMiddleware`; behind `HttpApiAuthentication` with Basic (equals)
 * - fastify-plain, fastify-basic, fastify-jwt, hono-plain, hono-basic, hono-jwt, express-plain, express-session:
 *   see ./alternativeServers.ts
 */
import { Jwt } from "@effect-auth/jwt"
import * as Pg from "@effect-auth/sql/Pg"
import * as Sqlite from "@effect-auth/sql/Sqlite"
import {
  FetchHttpClient,
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  HttpRouter,
  HttpServer,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Context, Effect, Exit, FiberRef, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  CurrentAuthentication,
  CurrentUser,
  Password,
  requires,
  Session,
  SimpleUser
} from "effect-auth"
import { Authentication as RequestAuthentication } from "effect-auth/CurrentUser"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import { SessionStore } from "effect-auth/SessionStore"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import * as fs from "node:fs"
import { createServer } from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import * as alternatives from "./alternativeServers.js"
import { AppUser, jwtSecret } from "./fixtures.js"

const hello = HttpServerResponse.text("hello")
const unexpected = HttpServerResponse.text("unexpected", { status: 500 })
const credentials = new AuthCredentials(["authenticated"])
const accepted = (username: string) => Option.some([credentials, new SimpleUser(username)] as const)
const password = "wonderland"
const basicHeader = `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`
const token = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
const sessionSecret = Redacted.make("a session secret of 32 bytes or more, for the bench")

const guarded = AuthenticationMiddleware(
  HttpRouter.empty.pipe(HttpRouter.get("/", hello.pipe(requires("authenticated"))))
)
const plain = HttpRouter.empty.pipe(HttpRouter.get("/", hello))

const equalsLayer = Basic.layer({
  verify: (username, given) => Effect.succeed(Password.equals(given, password) ? accepted(username) : Option.none())
})

/** What one variant is: the app, the Layer it needs, and the headers its client sends (an effect on that Layer). */
interface Variant {
  readonly app: HttpApp.Default<any, any>
  readonly layer: Layer.Layer<any, any, any>
  readonly headers: Effect.Effect<Record<string, string>, any, any>
}

const noHeaders = Effect.succeed({})

const jwtHeader = (alg: string, key: Parameters<SignJWT["sign"]>[0], kid?: string) =>
  Effect.promise(() =>
    new SignJWT({ scope: "authenticated" }).setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
      .setSubject("alice").setExpirationTime("2h").sign(key)
  ).pipe(Effect.map((jwt) => ({ authorization: `Bearer ${jwt}` })))

// a local key-set server (127.0.0.1, a free port), serving one ES256 public key: the backend fetches it once
const keySetServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256")
    const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" }
    const server = createServer((_, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return { server, privateKey, url: `http://127.0.0.1:${port}/jwks.json` }
  }),
  ({ server }) => Effect.sync(() => server.close())
)

const sessionVariant = (store: Layer.Layer<SessionStore, any, never>): Variant => {
  const layer = Session.layer({ secret: sessionSecret, secure: false }).pipe(Layer.provideMerge(store))
  return {
    app: guarded,
    layer,
    headers: Effect.gen(function*() {
      const sessions = yield* SessionStore
      const [created] = yield* sessions.create({
        userId: "alice",
        scopes: ["authenticated"],
        idleTimeout: 2 * 60 * 60 * 1000,
        absoluteTimeout: 4 * 60 * 60 * 1000
      })
      return { cookie: `session=${Session.sign(Redacted.value(created), sessionSecret)}` }
    })
  }
}

// --- HttpApi: one endpoint, plain, behind HttpApiSecurity.basic, and behind HttpApiAuthentication -----------------

const endpoint = HttpApiEndpoint.get("hello", "/").addSuccess(HttpApiSchema.Text())

class PlainApi extends HttpApi.make("plain").add(HttpApiGroup.make("hello").add(endpoint)) {}

class CurrentName extends Context.Tag("bench/CurrentName")<CurrentName, string>() {}
class Security extends HttpApiMiddleware.Tag<Security>()("bench/Security", {
  failure: HttpApiError.Unauthorized,
  provides: CurrentName,
  security: { basic: HttpApiSecurity.basic }
}) {}
class SecurityApi extends HttpApi.make("security").add(HttpApiGroup.make("hello").add(endpoint).middleware(Security)) {}
const SecurityLive = Layer.succeed(
  Security,
  Security.of({
    basic: (given) =>
      Password.equals(given.password, password)
        ? Effect.succeed(given.username)
        : Effect.fail(new HttpApiError.Unauthorized())
  })
)

class Authentication extends HttpApiAuthentication.Tag<Authentication>()("bench/Authentication", {
  security: { basic: HttpApiSecurity.basic }
}) {}
class AuthApi extends HttpApi.make("auth").add(
  HttpApiGroup.make("hello").add(endpoint.pipe(HttpApiAuthentication.requires("authenticated"))).middleware(
    Authentication
  )
) {}

// an HttpApi served by its own Router (Layer.fresh below keeps two HttpApis of one process apart)
const httpApi = (layer: Layer.Layer<any, any, any>): Layer.Layer<never, never, HttpServer.HttpServer> =>
  HttpApiBuilder.serve().pipe(Layer.provide(layer)) as any

const httpApis: Record<string, () => Layer.Layer<never, never, HttpServer.HttpServer>> = {
  "httpapi-plain": () =>
    httpApi(
      HttpApiBuilder.api(PlainApi).pipe(
        Layer.provide(
          HttpApiBuilder.group(PlainApi, "hello", (handlers) => handlers.handle("hello", () => Effect.succeed("hello")))
        )
      )
    ),
  "httpapi-security": () =>
    httpApi(
      HttpApiBuilder.api(SecurityApi).pipe(
        Layer.provide(
          HttpApiBuilder.group(SecurityApi, "hello", (handlers) =>
            handlers.handle("hello", () =>
              Effect.succeed("hello")))
        ),
        Layer.provide(SecurityLive)
      )
    ),
  "httpapi-effect-auth": () =>
    httpApi(
      HttpApiBuilder.api(AuthApi).pipe(
        Layer.provide(
          HttpApiBuilder.group(AuthApi, "hello", (handlers) => handlers.handle("hello", () => Effect.succeed("hello")))
        ),
        Layer.provide(HttpApiAuthentication.layer(Authentication, AuthApi)),
        Layer.provide(equalsLayer)
      )
    )
}
const httpApiHeaders: Record<string, Record<string, string>> = {
  "httpapi-plain": {},
  "httpapi-security": { authorization: basicHeader },
  "httpapi-effect-auth": { authorization: basicHeader }
}

// --- the HttpRouter variants ----------------------------------------------------------------------------------------

const variants: Record<string, () => Variant> = {
  plain: () => ({ app: plain, layer: Layer.empty as Layer.Layer<any>, headers: noHeaders }),
  plain2: () => ({ app: plain, layer: Layer.empty as Layer.Layer<any>, headers: noHeaders }),
  // the plain app sent the Basic variants' `Authorization` header, which it ignores: what receiving it costs
  "plain-header": () => ({
    app: plain,
    layer: Layer.empty as Layer.Layer<any>,
    headers: Effect.succeed({ authorization: basicHeader })
  }),
  basic: () => ({
    app: guarded,
    // the verifier resolved once, when the layer is built, as docs/backends.md and examples/basic do (not looked up
    // in the context on every request); the stored hash is a constant here, where an app reads its user's row
    layer: Layer.unwrapEffect(Effect.gen(function*() {
      const verifier = yield* Password.Verifier
      const stored = yield* Stored
      return Basic.layer({
        verify: (username, given) =>
          Effect.map(verifier.verify(given, stored), (ok) => ok ? accepted(username) : Option.none())
      })
    })).pipe(
      Layer.provide(Password.Verifier.layer()),
      // a real scrypt hash at the default cost: the first request hashes (about 0.4 s), the next ones are answered
      // from the verifier's cache
      Layer.provide(Layer.effect(Stored, Effect.orDie(Password.hash(password))))
    ),
    headers: Effect.succeed({ authorization: basicHeader })
  }),
  "basic-equals": () => ({ app: guarded, layer: equalsLayer, headers: Effect.succeed({ authorization: basicHeader }) }),
  // the core path alone: the middleware, Basic whose `verify` accepts at once, and `requires`
  auth: () => ({
    app: guarded,
    layer: Basic.layer({ verify: (username) => Effect.succeed(accepted(username)) }),
    headers: Effect.succeed({ authorization: basicHeader })
  }),
  // floors: one context entry installed around the plain app, nothing else (no backend, no `requires`): the way
  // the library installs it, and Effect's own `provideService`
  install: () => ({ app: installEntry(plain), layer: Layer.empty as Layer.Layer<any>, headers: noHeaders }),
  // the pieces of the authenticated path one at a time (see ./rotation.ts), each sent the Basic header: the header
  // read and parsed, no entry; a restore frame around the app, nothing installed; a `FiberRef` of its own set and
  // put back instead of a context entry; and the whole path written by hand at the least cost an install can have:
  // one step, the parse, the entry set with the fiber's own setter (not public API), one restore frame, a scope
  // check on the route
  "parse-only": () => ({ app: parseOnly(plain), layer: Layer.empty as Layer.Layer<any>, headers: basicHeaders }),
  "frame-only": () => ({ app: frameOnly(plain), layer: Layer.empty as Layer.Layer<any>, headers: basicHeaders }),
  fiberref: () => ({ app: ownFiberRef(plain), layer: Layer.empty as Layer.Layer<any>, headers: basicHeaders }),
  // a control of known cost: plain, sent the header, plus 5 µs of pure computation per request (calibrated when the
  // server starts): what the bench reads for a cost of that size is its resolution
  "compute-5us": () => ({
    app: Effect.withFiberRuntime<HttpServerResponse.HttpServerResponse, any, any>(() => {
      computed.value ^= compute(iterationsFor5us)
      return plain
    }),
    layer: Layer.empty as Layer.Layer<any>,
    headers: basicHeaders
  }),
  "by-hand": () => ({
    app: byHand(HttpRouter.empty.pipe(HttpRouter.get("/", scopeCheck(hello)))),
    layer: Layer.empty as Layer.Layer<any>,
    headers: basicHeaders
  }),
  "provide-service": () => ({
    app: Effect.provideService(plain, Entry, entry),
    layer: Layer.empty as Layer.Layer<any>,
    headers: noHeaders
  }),
  "middleware-only": () => ({
    app: AuthenticationMiddleware(plain),
    layer: equalsLayer,
    headers: Effect.succeed({ authorization: basicHeader })
  }),
  anonymous: () => ({
    app: AuthenticationMiddleware(
      HttpRouter.empty.pipe(
        HttpRouter.get(
          "/",
          // the same prebuilt response as plain's (a response made per request would cost its own encoding)
          Effect.map(CurrentUser, (user) => user.isAuthenticated ? unexpected : hello)
        )
      )
    ),
    layer: Bearer.layer({ verify: () => Effect.succeedNone }),
    headers: noHeaders
  }),
  bearer: () => ({
    app: guarded,
    layer: Bearer.layer({
      verify: (given) => Effect.succeed(Password.equals(given, token) ? accepted("alice") : Option.none())
    }),
    headers: Effect.succeed({ authorization: `Bearer ${token}` })
  }),
  apikey: () => ({
    app: guarded,
    layer: ApiKey.layer({
      in: "header",
      name: "x-api-key",
      verify: (given) => Effect.succeed(Password.equals(given, token) ? accepted("alice") : Option.none())
    }),
    headers: Effect.succeed({ "x-api-key": token })
  }),
  "jwt-hs256": () => ({
    app: guarded,
    layer: Jwt.layer({ algorithms: ["HS256"], key: Redacted.make(jwtSecret), claims: AppUser }),
    headers: jwtHeader("HS256", new TextEncoder().encode(jwtSecret))
  }),
  "jwt-es256": () => {
    const keys = Effect.runSync(Effect.cached(Effect.promise(() => generateKeyPair("ES256"))))
    return {
      app: guarded,
      layer: Layer.unwrapEffect(
        Effect.map(keys, ({ publicKey }) => Jwt.layer({ algorithms: ["ES256"], key: publicKey, claims: AppUser }))
      ),
      headers: Effect.flatMap(keys, ({ privateKey }) => jwtHeader("ES256", privateKey))
    }
  },
  "jwt-jwks": () => {
    const layer = Layer.unwrapScoped(
      Effect.map(
        keySetServer,
        ({ privateKey, url }) =>
          Jwt.layerJwks({ algorithms: ["ES256"], jwksUrl: url, claims: AppUser }).pipe(
            Layer.provide(FetchHttpClient.layer),
            Layer.merge(Layer.succeed(SigningKey, privateKey))
          )
      )
    )
    return {
      app: guarded,
      layer,
      headers: Effect.flatMap(SigningKey, (key) => jwtHeader("ES256", key, "bench"))
    }
  },
  "session-memory": () => sessionVariant(SessionStore.layerMemory()),
  "session-sqlite": () => {
    const filename = path.join(os.tmpdir(), `effect-auth-bench-${process.pid}.sqlite`)
    const removed = Layer.scopedDiscard(Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${filename}${suffix}`, { force: true })
      })
    ))
    return sessionVariant(Sqlite.layer({ filename }).pipe(Layer.provideMerge(removed)) as any)
  },
  "session-pg": () => {
    const url = process.env["DATABASE_URL"]
    if (url === undefined) throw new Error("session-pg needs DATABASE_URL")
    // a channel of its own, so that other users of the database do not invalidate the bench's cache
    return sessionVariant(Pg.layer({ url: Redacted.make(url), channel: "effect_auth_bench" }) as any)
  }
}

class Entry extends Context.Tag("bench/Entry")<Entry, { readonly name: string }>() {}
const entry = { name: "alice" }
// what the library does per request: a copy of the context with the entry, installed, and the caller's put back
const installEntry = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.contextWithEffect((outer: Context.Context<never>) => {
    // the platform runs apps uninterruptibly, so no mask is needed between the two writes
    const back = FiberRef.set(FiberRef.currentContext, outer)
    return Effect.zipRight(
      FiberRef.set(FiberRef.currentContext, Context.add(outer, Entry, entry)),
      Effect.matchCauseEffect(app, {
        onFailure: (cause) => Effect.zipRight(back, Effect.failCause(cause)),
        onSuccess: (value) => Effect.as(back, value)
      })
    )
  })

// a loop of pure arithmetic, and how many of its iterations take 5 µs on this machine (timed once, warmed up)
const computed = { value: 0 } // read by nothing: kept so that the loop is not optimized away
const compute = (iterations: number): number => {
  let a = 0
  for (let i = 0; i < iterations; i++) a = (a * 31 + i) | 0
  return a
}
const iterationsFor5us = (() => {
  for (let i = 0; i < 20_000; i++) computed.value ^= compute(1000)
  const start = process.hrtime.bigint()
  for (let i = 0; i < 20_000; i++) computed.value ^= compute(1000)
  const nanosPer1000 = Number(process.hrtime.bigint() - start) / 20_000
  return Math.round((5000 / nanosPer1000) * 1000)
})()

const basicHeaders = Effect.succeed({ authorization: basicHeader })
// the fiber as `Effect.withFiberRuntime` gives it, with the setter its class has and its public type does not show
type Fiber = { getFiberRef<A>(ref: FiberRef.FiberRef<A>): A; setFiberRef<A>(ref: FiberRef.FiberRef<A>, value: A): void }
const requestOf = (fiber: { getFiberRef<A>(ref: FiberRef.FiberRef<A>): A }) =>
  Context.unsafeGet(fiber.getFiberRef(FiberRef.currentContext), HttpServerRequest.HttpServerRequest)

const parseOnly = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    Basic.parse(requestOf(fiber).headers["authorization"])._tag === "Left" ? Effect.die("invalid") : app
  )

const frameOnly = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>(() =>
    Effect.matchCauseEffect(app, { onFailure: Exit.failCause<E>, onSuccess: Exit.succeed<A> })
  )

// the platform runs apps uninterruptibly, so no mask is needed between the two writes
const restoring = <A, E, R, X>(
  fiber: Fiber,
  ref: FiberRef.FiberRef<X>,
  outer: X,
  app: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.matchCauseEffect(app, {
    onFailure: (cause) => {
      fiber.setFiberRef(ref, outer)
      return Exit.failCause(cause)
    },
    onSuccess: (value) => {
      fiber.setFiberRef(ref, outer)
      return Exit.succeed(value)
    }
  })

const OwnRef = FiberRef.unsafeMake<typeof entry | undefined>(undefined)
const ownFiberRef = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((runtime) => {
    const fiber = runtime as unknown as Fiber
    const outer = fiber.getFiberRef(OwnRef)
    fiber.setFiberRef(OwnRef, entry)
    return restoring(fiber, OwnRef, outer, app)
  })

const byHand = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((runtime) => {
    const fiber = runtime as unknown as Fiber
    const outer = fiber.getFiberRef(FiberRef.currentContext)
    const request = Context.unsafeGet(outer, HttpServerRequest.HttpServerRequest)
    const parsed = Basic.parse(request.headers["authorization"])
    if (parsed._tag === "Left" || parsed.right._tag === "None") return Effect.die("invalid")
    const [granted, user] = Option.getOrThrow(accepted(parsed.right.value.username))
    fiber.setFiberRef(
      FiberRef.currentContext,
      Context.add(outer, CurrentAuthentication, new RequestAuthentication(user, granted, undefined))
    )
    return restoring(fiber, FiberRef.currentContext, outer, app)
  })

const scopeCheck = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    Context.unsafeGet(fiber.getFiberRef(FiberRef.currentContext), CurrentAuthentication).credentials.scopes
        .includes("authenticated")
      ? app
      : Effect.die("denied")
  )

class Stored extends Context.Tag("bench/Stored")<Stored, string>() {}
class SigningKey extends Context.Tag("bench/SigningKey")<SigningKey, CryptoKey>() {}

// the bench asks for this process's CPU time over IPC: CPU per request is steadier than requests per second on a
// shared machine
process.on("message", () => process.send?.(process.cpuUsage()))

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["plain"]
const ports: Array<number> = []
const headers: Array<Record<string, string>> = []
const announce = () => {
  if (names.every((_, index) => ports[index] !== undefined && headers[index] !== undefined)) {
    process.stdout.write(`${JSON.stringify({ ports, headers })}\n`)
  }
}

if (names.every(alternatives.has)) {
  const served = await alternatives.serve(names)
  served.forEach(({ port, headers: sent }, index) => {
    ports[index] = port
    headers[index] = sent
  })
  announce()
} else {
  const Ready = (index: number, sent: Effect.Effect<Record<string, string>, any, any>) =>
    Layer.effectDiscard(Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      headers[index] = yield* sent
      if (server.address._tag === "TcpAddress") ports[index] = server.address.port
      announce()
    }))

  Layer.mergeAll(...names.map((name, index) => {
    const server = NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 })
    if (httpApis[name] !== undefined) {
      return Layer.fresh(
        httpApis[name]().pipe(
          Layer.provide(Ready(index, Effect.succeed(httpApiHeaders[name]!))),
          Layer.provideMerge(server)
        )
      )
    }
    if (variants[name] === undefined) throw new Error(`unknown variant ${name}`)
    // a Layer per server: one Layer value shared by two servers of one process would be built once
    const { app, headers: sent, layer } = variants[name]()
    return Layer.fresh(
      HttpServer.serve(app as HttpRouter.HttpRouter).pipe(
        Layer.provide(Ready(index, sent)),
        Layer.provideMerge(server),
        Layer.provide(layer)
      )
    )
  }) as unknown as [Layer.Layer<never>]).pipe(
    Layer.provide(Logger.minimumLogLevel(LogLevel.None)),
    Layer.launch,
    NodeRuntime.runMain
  )
}
