/**
 * The Effect 4 line's bench server, the counterpart of ../../src/server.ts (same routes, headers, credentials and
 * first line): `node --import tsx bench/effect4/src/server.ts <variant> [<variant> …]`, under Node 22, serves each
 * variant's one-route app on 127.0.0.1 on a free port, all from ONE process, and prints one JSON line once all
 * listen: `{"ports":[…],"headers":[{…},…]}`, the headers being what a client of each app sends (its credentials).
 * It answers `process.cpuUsage()` over IPC, as the Effect 3 server does, so that ../../src/http.ts drives it.
 *
 * It imports the libraries' built `dist/` (the `default` export condition; `pnpm build:libs4` builds it).
 *
 * The apps have the Effect 3 variants' shape: one route (`HttpRouter.add`), turned into an app with
 * `HttpRouter.toHttpEffect` and served with `HttpServer.serve`, the authenticated ones wrapped whole in the FUNCTION
 * form of `AuthenticationMiddleware` (Effect 3's `AuthenticationMiddleware(router)`), not the router-layer form.
 *
 * Variants (every authenticated one guards its route with `requires("authenticated")`, and is sent valid credentials):
 * - plain, plain2: the route, no authentication (plain2 is an A/A control of the bench itself)
 * - auth: the core path alone: the middleware, Basic whose `verify` accepts at once, `requires`
 * - basic: Basic, the password checked against a real scrypt hash by `Password.Verifier` (hashed once, then cached)
 * - bearer, apikey: an opaque token / an `x-api-key` header compared in constant time with a known one
 * - jwt-hs256, jwt-es256: `@effect-auth/jwt` with a local key; jwt-jwks: ES256 keys from a local key-set server
 *   (fetched once, then cached)
 * - session-memory: signed session cookies in the memory store
 */
import { Jwt } from "@effect-auth/jwt"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  Password,
  requires,
  Session,
  SimpleUser
} from "effect-auth"
import { SessionStore } from "effect-auth/SessionStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { createServer } from "node:http"
import { AppUser, jwtSecret } from "./fixtures.js"

const hello = HttpServerResponse.text("hello")
const credentials = new AuthCredentials(["authenticated"])
const accepted = (username: string) => Option.some([credentials, new SimpleUser(username)] as const)
const password = "wonderland"
const basicHeader = `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`
const token = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
const sessionSecret = Redacted.make("a session secret of 32 bytes or more, for the bench")

// the apps, built when each server's Layer is (a router is a Layer in Effect 4): the one route as an app, and the
// same route guarded by `requires`, wrapped whole in the middleware
const plain = HttpRouter.toHttpEffect(HttpRouter.add("GET", "/", hello))
const guarded = Effect.map(
  HttpRouter.toHttpEffect(HttpRouter.add("GET", "/", requires(hello, "authenticated"))),
  AuthenticationMiddleware
)

type App = Effect.Effect<Effect.Effect<HttpServerResponse.HttpServerResponse, any, any>, any, any>

/** What one variant is: the app, the Layer it needs, and the headers its client sends (an effect on that Layer). */
interface Variant {
  readonly app: App
  readonly layer: Layer.Layer<any, any, any>
  readonly headers: Effect.Effect<Record<string, string>, any, any>
}

const none: Layer.Layer<any, any, any> = Layer.empty as unknown as Layer.Layer<any, any, any>
const noHeaders = Effect.succeed({})
const basicHeaders = Effect.succeed({ authorization: basicHeader })

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

class Stored extends Context.Service<Stored, string>()("bench/Stored") {}
class SigningKey extends Context.Service<SigningKey, CryptoKey>()("bench/SigningKey") {}

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

const variants: Record<string, () => Variant> = {
  plain: () => ({ app: plain, layer: none, headers: noHeaders }),
  plain2: () => ({ app: plain, layer: none, headers: noHeaders }),
  basic: () => ({
    app: guarded,
    // the verifier resolved once, when the layer is built (not looked up in the context on every request); the
    // stored hash is a constant here, where an app reads its user's row
    layer: Layer.unwrap(Effect.gen(function*() {
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
    headers: basicHeaders
  }),
  // the core path alone: the middleware, Basic whose `verify` accepts at once, and `requires`
  auth: () => ({
    app: guarded,
    layer: Basic.layer({ verify: (username) => Effect.succeed(accepted(username)) }),
    headers: basicHeaders
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
    const keys = generateKeyPair("ES256")
    return {
      app: guarded,
      layer: Layer.unwrap(
        Effect.map(
          Effect.promise(() => keys),
          ({ publicKey }) => Jwt.layer({ algorithms: ["ES256"], key: publicKey, claims: AppUser })
        )
      ),
      headers: Effect.flatMap(Effect.promise(() => keys), ({ privateKey }) => jwtHeader("ES256", privateKey))
    }
  },
  "jwt-jwks": () => ({
    app: guarded,
    layer: Layer.unwrap(
      Effect.map(
        keySetServer,
        ({ privateKey, url }) =>
          Jwt.layerJwks({ algorithms: ["ES256"], jwksUrl: url, claims: AppUser }).pipe(
            Layer.provide(FetchHttpClient.layer),
            Layer.merge(Layer.succeed(SigningKey, privateKey))
          )
      )
    ),
    headers: SigningKey.use((key) => jwtHeader("ES256", key, "bench"))
  }),
  "session-memory": () => sessionVariant(SessionStore.layerMemory())
}

// the bench asks for this process's CPU time over IPC: CPU per request is steadier than requests per second on a
// shared machine
process.on("message", () => process.send?.(process.cpuUsage()))

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["plain"]
for (const name of names) {
  if (variants[name] === undefined) {
    throw new Error(`unknown variant ${name} (the Effect 4 bench serves ${Object.keys(variants).join(", ")})`)
  }
}
const ports: Array<number> = []
const headers: Array<Record<string, string>> = []
const announce = () => {
  if (names.every((_, index) => ports[index] !== undefined && headers[index] !== undefined)) {
    process.stdout.write(`${JSON.stringify({ ports, headers })}\n`)
  }
}

// built after the app is served, so that the first request a client sends on reading the line finds it
const Ready = (index: number, sent: Effect.Effect<Record<string, string>, any, any>) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    headers[index] = yield* sent
    if (server.address._tag === "InetAddressV4") ports[index] = server.address.port
    announce()
  }))

Layer.mergeAll(...names.map((name, index) => {
  const server = NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 })
  // a Layer per server: one Layer value shared by two servers of one process would be built once
  const { app, headers: sent, layer } = variants[name]!()
  const served = Layer.unwrap(Effect.map(app, (effect) => HttpServer.serve(effect)))
  return Layer.fresh(
    Ready(index, sent).pipe(
      Layer.provide(served),
      Layer.provideMerge(server),
      Layer.provide(layer)
    )
  )
}) as unknown as [Layer.Layer<never>]).pipe(
  Layer.provide(Layer.succeed(References.MinimumLogLevel, "None")),
  Layer.launch,
  NodeRuntime.runMain
)
