import unhomoglyph from "unhomoglyph";

/** Characters that change how text is laid out or hide in it: bidi controls, zero-width and other default-ignorable code points. */
const INVISIBLE = /[\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/gu;
/** Zero-width joiner and emoji variation selector, kept only inside emoji sequences (👩‍💻, ❤️). */
const EMOJI_GLUE = /(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}]?)(\u200D|\uFE0F)(?=\p{Extended_Pictographic}|$|\u200D|\s)/gu;
const PLACEHOLDER = "\u{F0000}";

/**
 * A display name as shown: NFC, without bidi controls or invisible characters (zero-width
 * space, joiners, tag characters, fillers…) except the joiners inside emoji sequences, with
 * runs of whitespace as one space, trimmed.
 */
export function cleanDisplayName(raw: string): string {
  const glued = raw.normalize("NFC").replace(EMOJI_GLUE, (glue) => (glue === "\u200D" ? PLACEHOLDER : PLACEHOLDER + PLACEHOLDER));
  return glued
    .replace(INVISIBLE, "")
    .replace(/\u{F0000}\u{F0000}/gu, "\uFE0F")
    .replace(/\u{F0000}/gu, "\u200D")
    .replace(/\s+/gu, " ")
    .trim();
}

/**
 * The UTS #39 skeletons of a name, folded further for comparing names people could mistake for
 * each other: compatibility forms (NFKC), letter case, invisible characters, whitespace,
 * punctuation and symbols do not count. The confusable mapping is Unicode's confusables.txt
 * (the `unhomoglyph` package). Case is folded once before the mapping and once after, which
 * gives up to two skeletons: `ALICE` is `alice` (folded first) and `allce` (mapped first, as
 * `I` looks like `l`), `AIice` is `aiice` and `alice`. Two names sharing a skeleton are
 * confusable.
 */
export function nameSkeletons(name: string): string[] {
  const text = name.normalize("NFKC").replace(INVISIBLE, "");
  const foldedFirst = skeletonOf(text.toLowerCase());
  const mappedFirst = skeletonOf(unhomoglyph(text.normalize("NFD")).toLowerCase());
  return foldedFirst === mappedFirst ? [foldedFirst] : [foldedFirst, mappedFirst];
}

/** The case-folded skeleton (the first of `nameSkeletons`). */
export function nameSkeleton(name: string): string {
  return nameSkeletons(name)[0]!;
}

function skeletonOf(text: string): string {
  return unhomoglyph(text.normalize("NFD")).normalize("NFD").toLowerCase().replace(/[\s\p{P}\p{S}\p{Cf}]/gu, "");
}

/**
 * Words no display name may contain (as a whole word, compared by skeleton), and a name no
 * display name may contain at all: they would pass for staff or for Mirage itself.
 */
const IMPERSONATION_WORDS = ["admin", "administrator", "moderator", "mod", "official", "staff", "support", "system", "root", "verified"];
const IMPERSONATED_WORDS = new Set(IMPERSONATION_WORDS.map(nameSkeleton));
const PRODUCT = nameSkeleton("mirage");

/** The reserved word a display name uses, if any ("Mirage (official)" → "mirage"). */
export function reservedWordIn(displayName: string): string | undefined {
  if (nameSkeletons(displayName).some((skeleton) => skeleton.includes(PRODUCT))) return "mirage";
  const words = displayName.normalize("NFKC").replace(INVISIBLE, "").split(/[\s\p{P}\p{S}]+/u);
  return words.find((word) => word !== "" && nameSkeletons(word).some((skeleton) => IMPERSONATED_WORDS.has(skeleton)))?.toLowerCase();
}

/**
 * The keys under which an account's names are held against lookalikes: the skeletons of its
 * username and of its display name (a display name of only symbols or emoji holds none). Bump
 * `NAME_KEYS_VERSION` in the store when this changes, so the index is rebuilt.
 */
export function accountNameKeys(account: { name: string; displayName: string }): string[] {
  return [...new Set([...nameSkeletons(account.name), ...nameSkeletons(account.displayName)])].filter((key) => key !== "");
}
