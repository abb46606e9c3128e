import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Schema from "effect/Schema"

// `httpApiStatus` is an annotation HttpApiSchema adds to Schema's: its module augmentation is needed for the type
export type { HttpApiSchema }

/**
 * An error outcome, written once: its status, the response it renders as, and what HttpApi and OpenAPI say of it.
 * The class, its response and its HttpApi schema are all derived from it.
 */
export interface Definition<Status extends number, Fields extends Schema.Struct.Fields> {
  readonly status: Status
  /** What the OpenAPI document says of the response. */
  readonly description: string
  /** What the error carries, for logs and handlers (never sent unless `body` or `headers` read it). */
  readonly fields: Fields
  /** The `text/plain` body: fixed, read from the error, or `undefined` for an empty response. */
  readonly body: string | ((error: Schema.Struct.Type<Fields>) => string) | undefined
  /** The response's headers (`WWW-Authenticate`, `Location`, `Retry-After`): fixed, read from the error, or none. */
  readonly headers?:
    | Record<string, string>
    | ((error: Schema.Struct.Type<Fields>) => Record<string, string> | undefined)
    | undefined
  /** What a client rebuilds from the body it receives (`HttpApiClient`): the rest stayed in the server. */
  readonly decode: (body: string) => Schema.Struct.MakeIn<Fields>
}

/** What an outcome's instances are: a status, and a response of their own. */
export interface Outcome<Status extends number> extends HttpServerRespondable.Respondable {
  readonly status: Status
  [HttpServerRespondable.symbol](): Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/** The class {@link make} returns: `Schema.TaggedError`'s, with the status as a static fact. */
export type Class<Self, Tag extends string, Fields extends Schema.Struct.Fields, Status extends number> =
  & Schema.Class<Self, Schema.TaggedStruct<Tag, Fields>, Cause.YieldableError & Outcome<Status>>
  & { readonly _tag: Tag; readonly status: Status }

/** Any class {@link make} returns. */
export type Any = Schema.Top & (new(...args: Array<any>) => Outcome<number>)

// a definition with its fields forgotten: what the derivations below read
export interface Defined {
  readonly status: number
  readonly description: string
  readonly body: string | ((error: any) => string) | undefined
  readonly headers?: Record<string, string> | ((error: any) => Record<string, string> | undefined) | undefined
  readonly fields: Schema.Struct.Fields
  readonly decode: (body: string) => any
}

// each class's definition, for the schemas derived from it (kept off the public classes)
const definitions = new WeakMap<object, Defined>()

/** The definition of an outcome class (the class `make` built is the base of the one declared). */
export const definitionOf = (self: Any): Defined => {
  for (let base: unknown = self; typeof base === "function"; base = Object.getPrototypeOf(base)) {
    const definition = definitions.get(base)
    if (definition !== undefined) return definition
  }
  throw new Error(`${String(self)} is not an outcome`)
}

// what does not depend on the error (a fixed body, no headers) is one response, built once
const responder = (definition: Defined): (error: object) => HttpServerResponse.HttpServerResponse => {
  const { body, headers, status } = definition
  if (typeof headers !== "function" && typeof body !== "function") {
    const options = headers === undefined ? { status } : { status, headers }
    const fixed = body === undefined ? HttpServerResponse.empty(options) : HttpServerResponse.text(body, options)
    return () => fixed
  }
  return (error) => {
    const own = typeof headers === "function" ? headers(error) : headers
    const options = own === undefined ? { status } : { status, headers: own }
    const text = typeof body === "function" ? body(error) : body
    return text === undefined ? HttpServerResponse.empty(options) : HttpServerResponse.text(text, options)
  }
}

/**
 * A `Schema.TaggedError` class for the outcome `definition`, tagged `tag` (its family, for `catchTag`) and
 * identified by `identifier`: its status is a static fact (and the `httpApiStatus` annotation, so HttpApi lists it
 * with that status and description), and it renders as `definition` says.
 */
export const make =
  <Self>(identifier: string) =>
  <const Tag extends string, Fields extends Schema.Struct.Fields, const Status extends number>(
    tag: Tag,
    definition: Definition<Status, Fields>
  ): Class<Self, Tag, Fields, Status> =>
    // built without its type parameters (a class cannot extend a generic instance type): the TaggedError class of
    // `TaggedStruct<Tag, Fields>` with `status` and a response added, as `Class` says
    build(identifier, tag, definition) as unknown as Class<Self, Tag, Fields, Status>

const build = (identifier: string, tag: string, definition: Defined) => {
  const respond = responder(definition)
  const status = definition.status
  class Outcome extends Schema.TaggedError<Outcome>(identifier)(tag, definition.fields, {
    httpApiStatus: status,
    description: definition.description
  }) {
    static readonly _tag = tag
    static readonly status = status
    get status(): number {
      return status
    }
    [HttpServerRespondable.symbol]() {
      return Effect.succeed(respond(this))
    }
  }
  definitions.set(Outcome, definition)
  return Outcome
}

/** A guard for the classes of a family, from which the family's union type is derived (see {@link Guarded}). */
export const guard =
  <const Classes extends ReadonlyArray<new(...args: Array<any>) => any>>(...classes: Classes) =>
  (u: unknown): u is InstanceType<Classes[number]> => {
    for (const self of classes) if (u instanceof self) return true
    return false
  }

/** What a guard guards, or each of several guards: a family's union type. */
export type Guarded<G> = G extends (u: unknown) => u is infer A ? A : never

/** A guard for the union of several guards' types (several families). */
export const union =
  <const Guards extends ReadonlyArray<(u: unknown) => boolean>>(...guards: Guards) =>
  (u: unknown): u is Guarded<Guards[number]> => {
    for (const is of guards) if (is(u)) return true
    return false
  }

/** The body `error` renders with, when its outcome has one. */
export const bodyOf = (definition: Defined, error: unknown): string | undefined =>
  typeof definition.body === "function" ? definition.body(error) : definition.body
