import * as Arr from "effect/Array"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as AuthenticationError from "../../AuthenticationError.js"
import * as PermissionDenied from "../../PermissionDenied.js"
import * as Outcome from "../outcome.js"

// each outcome's response as HttpApi lists it, derived from the outcome's own definition (its status, its body and
// its description): what the document says is what the class renders

// an outcome class is a constructor of its fields (its `Schema.Class` type says `new(_: never)`)
const construct = (self: Outcome.Any, fields: unknown): unknown =>
  new (self as unknown as new(fields: unknown) => unknown)(fields)

/** A schema of an outcome's wire form: its type is the outcome, its encoded side the body sent. */
export type Wire<A, I> = Schema.Codec<A, I>

/**
 * The outcomes of one status as HttpApi lists them: a `text/plain` response that decodes back into the outcome
 * whose fixed body it is, or else into the one whose body is read from the error. A client sees the body and the
 * status, never the fields that stay in the process. `description` defaults to the first outcome's.
 */
export const text = <const Outcomes extends Arr.NonEmptyReadonlyArray<Outcome.Any>>(
  outcomes: Outcomes,
  description?: string
): Wire<InstanceType<Outcomes[number]>, string> => {
  const defined = Arr.map(outcomes, (self) => ({ self, definition: Outcome.definitionOf(self) }))
  const fixed = defined.flatMap(({ definition }) => typeof definition.body === "string" ? [definition.body] : [])
  const first = defined[0].definition
  const said = description ?? first.description
  // the body as the document shows it: its text (one fixed body is one `enum`), and what it means
  const literal = fixed.length === outcomes.length && Arr.isArrayNonEmpty(fixed)
  const body = (
    !literal ? Schema.String : fixed.length === 1 ? Schema.Literal(fixed[0]!) : Schema.Literals(fixed)
  ).annotate({ description: said }) as unknown as Schema.Codec<string, string>
  const decode = (received: string) => {
    const { definition, self } = defined.find(({ definition }) => definition.body === received) ??
      defined.find(({ definition }) => typeof definition.body === "function") ?? defined[0]
    return construct(self, definition.decode(received))
  }
  const encode = (error: unknown) => {
    const own = defined.find(({ self }) => error instanceof self) ?? defined[0]
    return Outcome.bodyOf(own.definition, error) ?? ""
  }
  const schema = body.pipe(
    Schema.decodeTo(
      Schema.toType(Schema.Union(outcomes)),
      SchemaTransformation.transform<any, string>({ decode, encode })
    ),
    HttpApiSchema.asText(),
    HttpApiSchema.status(first.status)
  ).annotate({ description: said })
  // the transformation decodes into, and encodes from, instances of `outcomes` only (`decode` and `encode` above)
  return schema as unknown as Wire<InstanceType<Outcomes[number]>, string>
}

/** An outcome with no body as HttpApi lists it: an empty response of its status. */
export const empty = <Self extends Outcome.Any>(self: Self): Wire<InstanceType<Self>, void> => {
  const definition = Outcome.definitionOf(self)
  const schema = self.pipe(
    HttpApiSchema.asNoContent({ decode: () => construct(self, definition.decode("")) as Self["Type"] }),
    HttpApiSchema.status(definition.status)
  ).annotate({ description: definition.description })
  // `asNoContent` keeps the class's type, which is `InstanceType<Self>`
  return schema as unknown as Wire<InstanceType<Self>, void>
}

/** A 401: `Unauthorized` for a denial, or the message of refused credentials; one `text/plain` response for both. */
export const UnauthorizedSchema: Wire<
  PermissionDenied.Unauthorized | AuthenticationError.RejectedCredentials,
  string
> = text(
  [PermissionDenied.Unauthorized, AuthenticationError.RejectedCredentials],
  "Authentication is required (see WWW-Authenticate), or the credentials were refused"
)

export const ForbiddenSchema: Wire<PermissionDenied.Forbidden, string> = text([PermissionDenied.Forbidden])

export const NotFoundSchema: Wire<PermissionDenied.NotFound, void> = empty(PermissionDenied.NotFound)

export const LoginRedirectSchema: Wire<PermissionDenied.LoginRedirect, void> = empty(PermissionDenied.LoginRedirect)

/** What the authentication middleware fails with, one schema per status (HttpApi lists a union as one status). */
export const failures = [
  text([AuthenticationError.InvalidCredentials]),
  UnauthorizedSchema,
  text([AuthenticationError.ServiceUnavailable]),
  text([AuthenticationError.TooManyRequests])
] as const

/** What the authentication middleware fails with. */
export const Failure = Schema.Union(failures)
