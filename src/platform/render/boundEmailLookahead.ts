/** An email address's local part is at most 64 characters (RFC 5321); longer runs are not addresses. */
const EMAIL_LOCAL_MAX = 64;
// `[…]+@` and `[…]+(@)`: marked's GFM email autolink patterns, in the url rule and in the text
// rule's lookaheads (where the text rule stops before an address).
const UNBOUNDED_LOCAL_PART = /\]\+(\(?@)/g;

/**
 * marked's GFM `text` and `url` rules look ahead, at every word, over the whole run of
 * email-address characters for an `@`: text made of one such run with stops inside it
 * (`a_b_c_…`, 50,000 stops) is scanned 50,000 times over. The same rule with the local part
 * bounded to 64 characters scans at most that far. Throws if marked's rule no longer has the
 * expected shape, so an upgrade cannot silently lose the bound.
 */
export function boundEmailLookahead(rule: RegExp): RegExp {
  const source = rule.source.replace(UNBOUNDED_LOCAL_PART, `]{1,${EMAIL_LOCAL_MAX}}$1`);
  if (source === rule.source) throw new Error("marked's email autolink rule changed shape; review boundEmailLookahead");
  return new RegExp(source, rule.flags);
}
