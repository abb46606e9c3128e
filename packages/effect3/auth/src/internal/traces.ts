import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

// The platform's tracer (`HttpMiddleware.tracer`) records the request's headers (except those of
// `Headers.currentRedactedNames`) and its URL as attributes of the server span when the span starts, before any
// middleware runs. A backend that finds a credential where the tracer does not redact it overwrites those attributes.

// what the platform's tracer writes for a redacted header (`String(Redacted.make(…))`)
const redactedHeader = "<redacted>"
// what OpenTelemetry's conventions (and the platform, for a URL's userinfo) write for a scrubbed query value
const redactedQueryValue = "REDACTED"

const decodeName = (raw: string): string =>
  raw.includes("%") || raw.includes("+") ? new URLSearchParams(`${raw}=`).keys().next().value ?? raw : raw

/**
 * `url` (a full URL or a bare query) with the value of every `name` parameter replaced by `REDACTED`, the rest kept
 * byte for byte; parameter names are compared decoded, as `URLSearchParams` reads them.
 */
export const scrubQuery = (url: string, name: string, bare: boolean): string => {
  const question = bare ? -1 : url.indexOf("?")
  if (!bare && question === -1) return url
  const hash = url.indexOf("#", question + 1)
  const end = hash === -1 ? url.length : hash
  const parts = url.slice(question + 1, end).split("&")
  let changed = false
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const equals = part.indexOf("=")
    const rawName = equals === -1 ? part : part.slice(0, equals)
    if (decodeName(rawName) === name) {
      parts[i] = `${rawName}=${redactedQueryValue}`
      changed = true
    }
  }
  return changed ? url.slice(0, question + 1) + parts.join("&") + url.slice(end) : url
}

/** Overwrites, in one span, the attributes that hold a credential. */
export type Scrub = (span: Tracer.Span) => void

/** Overwrites the span's attribute for request header `header` (lower-case) with `<redacted>`, if it has one. */
export const scrubHeader = (header: string): Scrub => {
  const attribute = `http.request.header.${header}`
  return (span) => {
    const value = span.attributes.get(attribute)
    if (value !== undefined && value !== redactedHeader) span.attribute(attribute, redactedHeader)
  }
}

/** Scrubs parameter `name` from the span's `url.full` and `url.query` attributes, if it has them. */
export const scrubUrl = (name: string): Scrub => (span) => {
  for (const attribute of ["url.full", "url.query"]) {
    const value = span.attributes.get(attribute)
    if (typeof value === "string") {
      const scrubbed = scrubQuery(value, name, attribute === "url.query")
      if (scrubbed !== value) span.attribute(attribute, scrubbed)
    }
  }
}

/**
 * Applies `scrub` to the spans the current request runs in, innermost first (the server span among them), while they
 * are this process's own (an external parent is not).
 */
export const scrubSpans = (context: Context.Context<never>, scrub: Scrub): void => {
  let span: Tracer.AnySpan | undefined = Option.getOrUndefined(Context.getOption(context, Tracer.ParentSpan))
  while (span !== undefined && span._tag === "Span") {
    scrub(span)
    span = Option.getOrUndefined(span.parent)
  }
}
