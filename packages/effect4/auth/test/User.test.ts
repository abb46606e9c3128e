import { assert, describe, it } from "@effect/vitest"
import { Equal, Hash } from "effect"
import { SimpleUser, UnauthenticatedUser } from "effect-auth"
import { isBaseUser } from "effect-auth/User"

describe("SimpleUser", () => {
  it("is authenticated, and its name is its display name and its identity", () => {
    const user = new SimpleUser("alice")
    assert.isTrue(user.isAuthenticated)
    assert.strictEqual(user.username, "alice")
    assert.strictEqual(user.displayName, "alice")
    assert.strictEqual(user.identity, "alice")
  })

  it("equal by name, with equal hashes; make is the constructor", () => {
    assert.isTrue(Equal.equals(SimpleUser.make("alice"), new SimpleUser("alice")))
    assert.strictEqual(Hash.hash(SimpleUser.make("alice")), Hash.hash(new SimpleUser("alice")))
    assert.isFalse(Equal.equals(new SimpleUser("alice"), new SimpleUser("Alice")))
    assert.isFalse(Equal.equals(new SimpleUser(""), new UnauthenticatedUser()))
  })

  it("prints its name, in JSON and as a string", () => {
    assert.deepStrictEqual(new SimpleUser("alice").toJSON(), { _tag: "SimpleUser", username: "alice" })
    assert.strictEqual(String(new SimpleUser("alice")), "SimpleUser(alice)")
  })
})

describe("UnauthenticatedUser", () => {
  it("is a value: not authenticated, no name, no identity", () => {
    const anonymous = new UnauthenticatedUser()
    assert.isFalse(anonymous.isAuthenticated)
    assert.strictEqual(anonymous.displayName, "")
    assert.strictEqual(anonymous.identity, "")
  })

  it("every one is equal to every other, and to nothing else", () => {
    assert.isTrue(Equal.equals(new UnauthenticatedUser(), new UnauthenticatedUser()))
    assert.strictEqual(Hash.hash(new UnauthenticatedUser()), Hash.hash(new UnauthenticatedUser()))
    assert.isFalse(Equal.equals(new UnauthenticatedUser(), new SimpleUser("")))
    assert.deepStrictEqual(new UnauthenticatedUser().toJSON(), { _tag: "UnauthenticatedUser" })
    assert.strictEqual(String(new UnauthenticatedUser()), "UnauthenticatedUser()")
  })
})

describe("isBaseUser", () => {
  it("any value with the three fields of their types is a user, whatever its class", () => {
    assert.isTrue(isBaseUser(new SimpleUser("alice")))
    assert.isTrue(isBaseUser(new UnauthenticatedUser()))
    assert.isTrue(isBaseUser({ isAuthenticated: true, displayName: "Bob", identity: "u-1" }))
  })

  it("anything else is not", () => {
    for (
      const value of [
        undefined,
        null,
        "alice",
        {},
        { isAuthenticated: true, displayName: "Bob" },
        { isAuthenticated: "yes", displayName: "Bob", identity: "u-1" },
        { isAuthenticated: true, displayName: 1, identity: "u-1" },
        { isAuthenticated: true, displayName: "Bob", identity: 1 }
      ]
    ) assert.isFalse(isBaseUser(value), JSON.stringify(value))
  })
})
