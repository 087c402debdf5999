/**
 * Payloads that try to run script in a page; each one, if it ran, would set `window.__mirageXss`
 * (what `watchForInjectedScript` reads). Used in every place people write text a page shows:
 * profile HTML and CSS, post titles and bodies, comments, display names.
 */
const SET = "window.__mirageXss=1";

/** HTML and Markdown: tags, attributes, URLs, SVG, breakouts, mutation XSS. */
export const XSS_MARKUP: readonly string[] = [
  `<script>${SET}</script>`,
  `<SCRIPT SRC=data:text/javascript,${SET}></SCRIPT>`,
  `<img src=x onerror="${SET}">`,
  `<img src="https://example.org/x.png" onload="${SET}">`,
  `<body onload="${SET}">`,
  `<div onmouseover="${SET}" style="width:100%;height:100%">hover</div>`,
  `<a href="javascript:${SET}">click</a>`,
  `<a href="JaVaScRiPt&colon;${SET}">click</a>`,
  `<a href="&#106;avascript:${SET}">entity</a>`,
  `<iframe src="javascript:${SET}"></iframe>`,
  `<iframe srcdoc="<script>parent.__mirageXss=1</script>"></iframe>`,
  `<svg onload="${SET}"><circle r="1"/></svg>`,
  `<svg><script>${SET}</script></svg>`,
  `<svg><a xlink:href="javascript:${SET}"><text y="10">x</text></a></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${SET}">`,
  `<noscript><p title="</noscript><img src=x onerror=${SET}>">`,
  `<form><math><mtext></form><form><mglyph><style></math><img src onerror="${SET}">`,
  `<style></style><img src=x onerror="${SET}">`,
  `</style><script>${SET}</script>`,
  `</textarea><script>${SET}</script>`,
  `"><script>${SET}</script>`,
  `'><img src=x onerror=${SET}>`,
  `<object data="javascript:${SET}"></object>`,
  `<embed src="javascript:${SET}">`,
  `<details open ontoggle="${SET}">`,
  `<input autofocus onfocus="${SET}">`,
  `<video><source onerror="${SET}"></video>`,
  `<meta http-equiv="refresh" content="0;url=javascript:${SET}">`,
  `<base href="javascript:${SET}//">`,
  `<template><script>${SET}</script></template>`,
  `<div style="background:url(javascript:${SET})">css</div>`,
  `<div style="width:expression(${SET})">ie</div>`,
  `[click me](javascript:${SET})`,
  `[click me](JAVASCRIPT:${SET.replace(/=/g, "%3D")})`,
  `[x](<javascript:${SET}>)`,
  `![x](javascript:${SET})`,
  `![x" onerror="${SET}](https://example.org/x.png)`,
  `[x](https://example.org/"onmouseover="${SET})`,
  `<http://example.org/"><script>${SET}</script>>`,
  "```\n</code></pre><script>" + SET + "</script>\n```",
  `<!--<img src="--><img src=x onerror=${SET}//">`,
  `<![CDATA[<script>${SET}</script>]]>`,
];

/** Stylesheets: script URLs, expressions, imports, breakouts out of a style element. */
export const XSS_CSS: readonly string[] = [
  `p{background:url(javascript:${SET})}`,
  `p{background-image:url("javascript:${SET}")}`,
  `p{width:expression(${SET})}`,
  `@import url("javascript:${SET}");`,
  `p{behavior:url(x.htc);-moz-binding:url("data:text/xml,<x/>")}`,
  `</style><script>${SET}</script><style>`,
  `p{color:red}</style><img src=x onerror="${SET}">`,
  `p{background:url(data:text/html,<script>${SET}</script>)}`,
  `@font-face{font-family:x;src:url(javascript:${SET})}`,
  `p::after{content:"</style><script>${SET}</script>"}`,
];

/** Short lines (titles, display names): the markup payloads that fit one line. */
export const XSS_LINES: readonly string[] = XSS_MARKUP.filter((p) => !p.includes("\n") && p.length <= 100);
