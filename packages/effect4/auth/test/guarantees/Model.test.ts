import { assert, describe, it } from "@effect/vitest"
import { Equal } from "effect"
import { AuthCredentials, SimpleUser, UnauthenticatedUser } from "effect-auth"
import { isBaseUser } from "effect-auth/User"

describe("users and credentials", () => {
  it("SimpleUser: authenticated, named by its username; make is new", () => {
    const alice = SimpleUser.make("alice")
    assert.deepStrictEqual([alice.isAuthenticated, alice.displayName, alice.identity], [true, "alice", "alice"])
    assert.isTrue(Equal.equals(alice, new SimpleUser("alice")))
    assert.isFalse(Equal.equals(alice, new SimpleUser("bob")))
  })

  it("UnauthenticatedUser: anonymous, with an empty name", () => {
    const anonymous = new UnauthenticatedUser()
    assert.deepStrictEqual([anonymous.isAuthenticated, anonymous.displayName, anonymous.identity], [false, "", ""])
    assert.isTrue(Equal.equals(anonymous, new UnauthenticatedUser()))
  })

  it("AuthCredentials: no scopes by default; equal by their scopes; the scopes cannot be changed", () => {
    assert.deepStrictEqual(new AuthCredentials().scopes, [])
    assert.isTrue(Equal.equals(new AuthCredentials(["a", "b"]), AuthCredentials.make(new Set(["a", "b"]))))
    assert.isFalse(Equal.equals(new AuthCredentials(["a", "b"]), new AuthCredentials(["b", "a"])))
    assert.throws(() => (new AuthCredentials(["a"]).scopes as Array<string>).push("admin"))
  })

  it("isBaseUser recognises the built-in users and objects of the same shape", () => {
    assert.isTrue(isBaseUser(new SimpleUser("a")))
    assert.isTrue(isBaseUser(new UnauthenticatedUser()))
    assert.isTrue(isBaseUser({ isAuthenticated: true, displayName: "x", identity: "1" }))
    assert.isFalse(isBaseUser({ isAuthenticated: "yes", displayName: "x", identity: "1" }))
    assert.isFalse(isBaseUser(null))
  })
})
