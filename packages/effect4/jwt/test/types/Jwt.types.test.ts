/**
 * Type-level promises, checked by `tsc -b`: these assertions run at compile time.
 */
import { Jwt } from "@effect-auth/jwt"
import { describe, it } from "@effect/vitest"
import type { Effect, Layer } from "effect"
import { Redacted, Schema } from "effect"
import type { AuthenticationBackend, RejectedCredentials, ServiceUnavailable } from "effect-auth"
import { SimpleUser } from "effect-auth"
import type * as HttpClient from "effect/http/HttpClient"
import { expectTypeOf } from "vitest"

// never used to verify anything: the calls below only build Layers (or are only type-checked)
const publicKey = { type: "public" } as CryptoKey
const jwksUrl = "https://issuer.test/jwks.json"
// 64 bytes or more: long enough for HS512 too (RFC 7518 §3.2)
const secret = Redacted.make("a shared secret long enough for every HMAC algorithm: 64 bytes ok")

class AppUser extends Schema.Class<AppUser>("AppUser")({ sub: Schema.String }) {
  readonly isAuthenticated = true
  get displayName(): string {
    return this.sub
  }
  get identity(): string {
    return this.sub
  }
}

/** Calls that must not compile are wrapped here: type-checked, never run. */
const typeCheckOnly = (..._calls: ReadonlyArray<() => unknown>): void => {}

const Claims = Schema.Struct({ sub: Schema.String })

describe("types", () => {
  it("a local key gives a Layer that needs nothing; a key set one (layerJwks) that needs an HttpClient", () => {
    expectTypeOf(Jwt.layer({ algorithms: ["RS256"], key: publicKey, claims: AppUser }))
      .toEqualTypeOf<Layer.Layer<AuthenticationBackend>>()
    expectTypeOf(Jwt.layer({ algorithms: ["HS256", "HS512"], key: secret, claims: AppUser }))
      .toEqualTypeOf<Layer.Layer<AuthenticationBackend>>()
    expectTypeOf(Jwt.layerJwks({ algorithms: ["ES256"], jwksUrl: "https://issuer.test/jwks.json", claims: AppUser }))
      .toEqualTypeOf<Layer.Layer<AuthenticationBackend, never, HttpClient.HttpClient>>()
    expectTypeOf(Jwt.make({ algorithms: ["RS256"], key: publicKey, claims: AppUser }))
      .toEqualTypeOf<AuthenticationBackend.Service>()
    expectTypeOf(Jwt.makeJwks({ algorithms: ["RS256"], jwksUrl: "https://issuer.test/jwks.json", claims: AppUser }))
      .toEqualTypeOf<Effect.Effect<AuthenticationBackend.Service, never, HttpClient.HttpClient>>()
  })

  it("a verifier refuses with RejectedCredentials, and a key set outage is ServiceUnavailable", () => {
    const verify = Jwt.verifier({ algorithms: ["RS256"], key: publicKey, claims: AppUser })
    expectTypeOf<Effect.Error<ReturnType<typeof verify>>>().toEqualTypeOf<
      RejectedCredentials | ServiceUnavailable
    >()
    expectTypeOf(Jwt.verifierJwks({ algorithms: ["RS256"], jwksUrl: "https://issuer.test/jwks.json", claims: AppUser }))
      .toEqualTypeOf<Effect.Effect<Jwt.Verify, never, HttpClient.HttpClient>>()
  })

  it("algorithms: at least one, of the key's family, never none", () => {
    typeCheckOnly(
      // @ts-expect-error: no algorithm
      () => Jwt.layer({ algorithms: [], key: publicKey, claims: AppUser }),
      // @ts-expect-error: none
      () => Jwt.layer({ algorithms: ["none"], key: publicKey, claims: AppUser }),
      // @ts-expect-error: HMAC and signatures mixed
      () => Jwt.layer({ algorithms: ["RS256", "HS256"], key: publicKey, claims: AppUser }),
      // @ts-expect-error: a secret is no RSA key
      () => Jwt.layer({ algorithms: ["RS256"], key: secret, claims: AppUser }),
      // @ts-expect-error: a key set holds public keys only
      () => Jwt.layerJwks({ algorithms: ["HS256"], jwksUrl, claims: AppUser }),
      // @ts-expect-error: a key set is layerJwks's, never layer's
      () => Jwt.layer({ algorithms: ["RS256"], jwksUrl, claims: AppUser }),
      // @ts-expect-error: one key or a key set, not both
      () => Jwt.layer({ algorithms: ["RS256"], key: publicKey, jwksUrl, claims: AppUser }),
      // @ts-expect-error: one key or a key set, not both
      () => Jwt.layerJwks({ algorithms: ["RS256"], key: publicKey, jwksUrl, claims: AppUser })
    )
  })

  it("claims that are not a user need toUser", () => {
    typeCheckOnly(
      // @ts-expect-error: toUser is missing
      () => Jwt.layer({ algorithms: ["RS256"], key: publicKey, claims: Claims })
    )
    Jwt.layer({
      algorithms: ["RS256"],
      key: publicKey,
      claims: Claims,
      toUser: (claims) => {
        expectTypeOf(claims).toEqualTypeOf<{ readonly sub: string }>()
        return new SimpleUser(claims.sub)
      }
    })
  })
})
