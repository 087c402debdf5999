/**
 * CSS tokens as CSS Syntax Level 3 defines them. Escapes are already decoded in `value`, so
 * `\65 xpression(` is the function token `expression` and is judged by its real name.
 */
export type CssToken =
  | { type: "ident" | "function" | "at-keyword" | "string" | "url" | "delim"; value: string }
  | { type: "hash"; value: string; id: boolean }
  | { type: "number" | "percentage"; repr: string }
  | { type: "dimension"; repr: string; unit: string }
  | {
      type:
        | "whitespace" | "bad-string" | "bad-url" | "cdo" | "cdc" | "colon" | "semicolon" | "comma"
        | "[" | "]" | "(" | ")" | "{" | "}";
    };

const isDigit = (c: string) => c >= "0" && c <= "9";
const isHex = (c: string) => isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
const isWhitespace = (c: string) => c === "\n" || c === "\t" || c === " ";
const isIdentStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || (c !== "" && c.charCodeAt(0) >= 0x80);
const isIdentChar = (c: string) => isIdentStart(c) || isDigit(c) || c === "-";
const isNonPrintable = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0x08 || code === 0x0b || (code >= 0x0e && code <= 0x1f) || code === 0x7f;
};

/** Splits CSS into tokens (comments dropped). Linear time; never throws. */
export function tokenizeCss(input: string): CssToken[] {
  // Preprocessing per the spec: newlines normalized, NUL and lone surrogates replaced.
  const src = input
    .replace(/\r\n?|\f/g, "\n")
    .replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  const tokens: CssToken[] = [];
  let i = 0;
  const at = (k: number) => src[i + k] ?? "";
  const validEscape = (k: number) => at(k) === "\\" && at(k + 1) !== "\n" && at(k + 1) !== "";
  const startsIdent = (k: number) => {
    const c = at(k);
    if (c === "-") return isIdentStart(at(k + 1)) || at(k + 1) === "-" || validEscape(k + 1);
    return isIdentStart(c) || validEscape(k);
  };
  const startsNumber = (k: number) => {
    const c = at(k);
    if (c === "+" || c === "-") return isDigit(at(k + 1)) || (at(k + 1) === "." && isDigit(at(k + 2)));
    if (c === ".") return isDigit(at(k + 1));
    return isDigit(c);
  };

  // Called with `i` just past the backslash.
  const consumeEscape = (): string => {
    const c = at(0);
    if (c === "") return "\uFFFD";
    if (!isHex(c)) {
      const cp = String.fromCodePoint(src.codePointAt(i) ?? 0xfffd);
      i += cp.length;
      return cp;
    }
    let hex = "";
    while (hex.length < 6 && isHex(at(0))) hex += src[i++];
    if (isWhitespace(at(0))) i++;
    const code = parseInt(hex, 16);
    return code === 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff ? "\uFFFD" : String.fromCodePoint(code);
  };
  const consumeName = (): string => {
    let name = "";
    for (;;) {
      if (isIdentChar(at(0))) name += src[i++];
      else if (validEscape(0)) {
        i++;
        name += consumeEscape();
      } else return name;
    }
  };
  const consumeNumber = (): string => {
    const start = i;
    if (at(0) === "+" || at(0) === "-") i++;
    while (isDigit(at(0))) i++;
    if (at(0) === "." && isDigit(at(1))) {
      i++;
      while (isDigit(at(0))) i++;
    }
    if ((at(0) === "e" || at(0) === "E") && (isDigit(at(1)) || ((at(1) === "+" || at(1) === "-") && isDigit(at(2))))) {
      i += 2;
      while (isDigit(at(0))) i++;
    }
    return src.slice(start, i);
  };
  const consumeNumeric = (): CssToken => {
    const repr = consumeNumber();
    if (startsIdent(0)) return { type: "dimension", repr, unit: consumeName() };
    if (at(0) === "%") {
      i++;
      return { type: "percentage", repr };
    }
    return { type: "number", repr };
  };
  const consumeBadUrlRemnants = () => {
    while (i < src.length && at(0) !== ")") {
      if (validEscape(0)) i += 2;
      else i++;
    }
    i++;
  };
  const consumeUrl = (): CssToken => {
    let value = "";
    while (isWhitespace(at(0))) i++;
    for (;;) {
      const c = at(0);
      if (c === ")" || c === "") {
        i++;
        return { type: "url", value };
      }
      if (isWhitespace(c)) {
        while (isWhitespace(at(0))) i++;
        if (at(0) === ")" || at(0) === "") {
          i++;
          return { type: "url", value };
        }
        consumeBadUrlRemnants();
        return { type: "bad-url" };
      }
      if (c === '"' || c === "'" || c === "(" || isNonPrintable(c)) {
        consumeBadUrlRemnants();
        return { type: "bad-url" };
      }
      if (c === "\\") {
        if (!validEscape(0)) {
          consumeBadUrlRemnants();
          return { type: "bad-url" };
        }
        i++;
        value += consumeEscape();
        continue;
      }
      value += c;
      i++;
    }
  };
  const consumeIdentLike = (): CssToken => {
    const name = consumeName();
    if (at(0) !== "(") return { type: "ident", value: name };
    i++;
    if (name.toLowerCase() === "url") {
      while (isWhitespace(at(0)) && isWhitespace(at(1))) i++;
      const next = isWhitespace(at(0)) ? at(1) : at(0);
      if (next === '"' || next === "'") return { type: "function", value: name };
      return consumeUrl();
    }
    return { type: "function", value: name };
  };
  const consumeString = (quote: string): CssToken => {
    let value = "";
    for (;;) {
      const c = at(0);
      if (c === "" || c === quote) {
        i++;
        return { type: "string", value };
      }
      if (c === "\n") return { type: "bad-string" };
      if (c === "\\") {
        if (at(1) === "") i++;
        else if (at(1) === "\n") i += 2;
        else {
          i++;
          value += consumeEscape();
        }
        continue;
      }
      value += c;
      i++;
    }
  };

  while (i < src.length) {
    if (at(0) === "/" && at(1) === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end === -1 ? src.length : end + 2;
      continue;
    }
    const c = at(0);
    if (isWhitespace(c)) {
      while (isWhitespace(at(0))) i++;
      tokens.push({ type: "whitespace" });
    } else if (c === '"' || c === "'") {
      i++;
      tokens.push(consumeString(c));
    } else if (c === "#") {
      if (isIdentChar(at(1)) || validEscape(1)) {
        i++;
        const id = startsIdent(0);
        tokens.push({ type: "hash", value: consumeName(), id });
      } else {
        i++;
        tokens.push({ type: "delim", value: "#" });
      }
    } else if (c === "(" || c === ")" || c === "[" || c === "]" || c === "{" || c === "}") {
      i++;
      tokens.push({ type: c });
    } else if (c === ",") {
      i++;
      tokens.push({ type: "comma" });
    } else if (c === ":") {
      i++;
      tokens.push({ type: "colon" });
    } else if (c === ";") {
      i++;
      tokens.push({ type: "semicolon" });
    } else if (c === "+" || c === ".") {
      if (startsNumber(0)) tokens.push(consumeNumeric());
      else {
        i++;
        tokens.push({ type: "delim", value: c });
      }
    } else if (c === "-") {
      if (startsNumber(0)) tokens.push(consumeNumeric());
      else if (at(1) === "-" && at(2) === ">") {
        i += 3;
        tokens.push({ type: "cdc" });
      } else if (startsIdent(0)) tokens.push(consumeIdentLike());
      else {
        i++;
        tokens.push({ type: "delim", value: c });
      }
    } else if (c === "<") {
      if (at(1) === "!" && at(2) === "-" && at(3) === "-") {
        i += 4;
        tokens.push({ type: "cdo" });
      } else {
        i++;
        tokens.push({ type: "delim", value: c });
      }
    } else if (c === "@") {
      i++;
      if (startsIdent(0)) tokens.push({ type: "at-keyword", value: consumeName() });
      else tokens.push({ type: "delim", value: "@" });
    } else if (c === "\\") {
      if (validEscape(0)) tokens.push(consumeIdentLike());
      else {
        i++;
        tokens.push({ type: "delim", value: c });
      }
    } else if (isDigit(c)) {
      tokens.push(consumeNumeric());
    } else if (isIdentStart(c)) {
      tokens.push(consumeIdentLike());
    } else {
      i++;
      tokens.push({ type: "delim", value: c });
    }
  }
  return tokens;
}
