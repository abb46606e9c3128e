import * as JwtVerify from "@effect-auth/core/JwtVerify"
import type { KeyInput } from "jose"
import { KeyObject } from "node:crypto"

/**
 * How a token's signature is checked in one algorithm with one key: synchronously with `node:crypto` (the key
 * imported once), never (the key cannot sign in that algorithm), or by jose (a JWK, or an algorithm `node:crypto`
 * lacks here).
 *
 * @internal
 */
export type KeyCheck =
  | { readonly _tag: "Sync"; readonly verify: JwtVerify.Verifier }
  | { readonly _tag: "Refused"; readonly reason: string }
  | { readonly _tag: "Jose"; readonly key: KeyInput }

const isCryptoKey = (key: unknown): key is CryptoKey =>
  typeof globalThis.CryptoKey === "function" && key instanceof globalThis.CryptoKey

/** @internal */
export const checkOf = (alg: string, key: KeyInput): KeyCheck => {
  if (key instanceof KeyObject || isCryptoKey(key)) {
    const imported = JwtVerify.importKey(alg, key)
    if (typeof imported === "function") return { _tag: "Sync", verify: imported }
    if (imported !== undefined) return { _tag: "Refused", reason: imported.reason }
  }
  // a JWK is imported by jose, which also applies its `use`, `key_ops` and `alg` members
  return { _tag: "Jose", key }
}

/**
 * The checks of a key known at start-up, one per pinned algorithm, made once.
 *
 * @internal
 */
export const local = (algorithms: ReadonlyArray<string>, key: KeyInput): ReadonlyMap<string, KeyCheck> =>
  new Map(algorithms.map((alg) => [alg, checkOf(alg, key)]))

// the keys of a key set, imported by jose as CryptoKeys (one object per key and algorithm, kept by the set), made
// into checks once each: the WeakMap lets them go with the set
const imported = new WeakMap<object, Map<string, KeyCheck>>()

/**
 * The check of a key from a key set, made once per key and algorithm.
 *
 * @internal
 */
export const fromKeySet = (alg: string, key: CryptoKey): KeyCheck => {
  let checks = imported.get(key)
  if (checks === undefined) {
    checks = new Map()
    imported.set(key, checks)
  }
  let check = checks.get(alg)
  if (check === undefined) {
    check = checkOf(alg, key)
    checks.set(alg, check)
  }
  return check
}
