// What the template field's autocomplete does to the text, as pure functions: find
// the name being typed, list the suggestions that fit it, write an accepted one in
// as `{{ name }}`, and step over the closing braces it wrote when they are typed.
const MAX_ITEMS = 40;
const TOKEN_CHAR = /[A-Za-z0-9_.]/;
// The closing the field writes after an accepted name: one space inside the braces.
const CLOSING = " }}";
// "{{" and any spaces after it, ending the text before a name.
const OPENING_BEFORE = /\{\{\s*$/;
// Spaces and "}}" starting the text after a name.
const CLOSING_AFTER = /^\s*\}\}/;

function isTemplate(mode) {
  return mode !== "expression";
}

// The name being typed at the caret: where it starts and what is typed so far (in a
// template only between "{{" and "}}"), or null outside of one.
export function tokenAt(text, caret, mode) {
  let start = caret;
  while (start > 0 && TOKEN_CHAR.test(text[start - 1])) start -= 1;
  if (isTemplate(mode)) {
    const open = text.lastIndexOf("{{", caret);
    const close = text.lastIndexOf("}}", caret - 1);
    if (open < 0 || close > open || open + 2 > start) return null;
  }
  return { start, token: text.slice(start, caret) };
}

export function matches(suggestions, token) {
  const lower = token.toLowerCase();
  return (suggestions || [])
    .filter((s) => s.insert.toLowerCase().startsWith(lower) && s.insert !== token)
    .slice(0, MAX_ITEMS);
}

// The end of the name the caret is in: accepting replaces all of it, also the part
// after the caret.
function tokenEnd(text, caret) {
  let end = caret;
  while (end < text.length && TOKEN_CHAR.test(text[end])) end += 1;
  return end;
}

// The text before the name, with exactly one space after "{{" when the name comes
// first in its braces ("{{inp" and "{{   inp" both give "{{ input").
function spacedOpening(before) {
  return before.replace(OPENING_BEFORE, "{{ ");
}

// The text after the name, starting with " }}": the braces that follow (with the
// spaces before them made one), or new ones when these braces are not closed
// before the next "{{". Null when something else comes first ("{{ a | upper }}").
function spacedClosing(after) {
  if (CLOSING_AFTER.test(after)) return after.replace(CLOSING_AFTER, CLOSING);
  const close = after.indexOf("}}");
  const reopen = after.indexOf("{{");
  if (close < 0 || (reopen >= 0 && reopen < close)) return CLOSING + after;
  return null;
}

// The text once ``insert`` replaces the name at the menu's place, where the caret
// goes (right after the name, so that ".field" or a filter can follow), and the
// closing braces it is in front of (for overtype), or null.
export function acceptSuggestion(text, place, insert, mode) {
  const end = tokenEnd(text, place.caret);
  if (!isTemplate(mode)) {
    const before = text.slice(0, place.start) + insert;
    return { text: before + text.slice(end), caret: before.length, closing: null };
  }
  const before = spacedOpening(text.slice(0, place.start)) + insert;
  const spaced = spacedClosing(text.slice(end));
  const after = spaced ?? text.slice(end);
  const closing = spaced === null ? null : { after: after.slice(CLOSING.length) };
  return { text: before + after, caret: before.length, closing };
}

// What typing "}" in front of the closing braces an accepted suggestion left does
// (``closing.after`` is the text that follows them): it steps over the next brace
// instead of adding one, and drops spaces typed just before the braces (they have
// their own), so "}}" or " }}" typed after a name leaves "{{ name }}". Null when the
// brace is typed as usual.
export function overtypeBrace(text, caret, closing) {
  if (!closing || !text.endsWith(closing.after)) return null;
  const end = text.length - closing.after.length;
  const rest = text.slice(caret, end);
  if (rest === "" || !CLOSING.endsWith(rest) || text.slice(end - 2, end) !== "}}") return null;
  if (!rest.startsWith(" ")) return { text, caret: caret + 1 };
  const before = text.slice(0, caret).replace(/ +$/, "");
  return { text: before + text.slice(caret), caret: before.length + 2 };
}
