// the generators live once, in the shared spec both lines use
export {
  authorization,
  b64token,
  base64ish,
  headerChar,
  headerValue,
  schemePrefix,
  visibleKey
} from "@effect-auth/specs/Arbitraries"
