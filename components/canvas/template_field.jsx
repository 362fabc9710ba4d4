// A textarea for templates, expressions and JSON with autocomplete of the names in
// scope (input.*, env.*, nodes.<upstream>.output...). The text is kept locally so
// typing never waits for the server; changes are sent debounced, and on blur. What
// accepting a suggestion writes is in template_completion.js, where the menu goes in
// use_menu_placement.js.
import React, { useEffect, useLayoutEffect, useRef, useState } from "react";
import { acceptSuggestion, matches, overtypeBrace, tokenAt } from "./template_completion.js";
import { useLatest } from "./use_latest.js";
import { useMenuPlacement } from "./use_menu_placement.js";

const SEND_DELAY_MS = 250;
// Until it is measured (within the same commit), the menu is laid out unseen.
const UNPLACED = { visibility: "hidden", top: 0, left: 0 };

function menuStyle(place) {
  if (!place) return UNPLACED;
  return { top: place.top, left: place.left, width: place.width, maxHeight: place.maxHeight };
}

export function TemplateField(props) {
  const {
    value,
    suggestions,
    mode = "template",
    rows = 3,
    placeholder,
    invalid,
    resetKey,
    testId,
    fieldId,
    onValueChange,
  } = props;
  const [text, setText] = useState(value ?? "");
  const [menu, setMenu] = useState(null);
  const area = useRef(null);
  const list = useRef(null);
  const place = useMenuPlacement(menu, area, list);
  const timer = useRef(null);
  const lastSent = useRef(value ?? "");
  const handler = useLatest(onValueChange);
  // The field whose text is shown: another one (another node, another key) resets it.
  const shownKey = useRef(resetKey);
  // Where the caret goes after a suggestion is accepted. Placed in a layout effect,
  // in the same commit as the new text: a later frame would run after keystrokes
  // typed in between and move the caret behind them (their text then lands in the
  // wrong place).
  const pendingCaret = useRef(null);
  // The closing braces the last accepted suggestion stands in front of: typing them
  // steps over them instead of adding a second pair.
  const closing = useRef(null);

  useLayoutEffect(() => {
    if (pendingCaret.current === null || !area.current) return;
    area.current.focus();
    area.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
    pendingCaret.current = null;
  }, [text]);

  // A different field resets the text (a change of that field's value on its way
  // is dropped); a new value of the same field replaces it unless it is being edited.
  useEffect(() => {
    const incoming = value ?? "";
    if (shownKey.current !== resetKey) {
      shownKey.current = resetKey;
      clearTimeout(timer.current);
      setText(incoming);
      lastSent.current = incoming;
      closing.current = null;
      setMenu(null);
    } else if (incoming !== lastSent.current && document.activeElement !== area.current) {
      setText(incoming);
      lastSent.current = incoming;
    }
  }, [resetKey, value]);

  useEffect(() => () => clearTimeout(timer.current), []);

  const send = (next) => {
    clearTimeout(timer.current);
    if (next === lastSent.current) return;
    lastSent.current = next;
    if (handler.current) handler.current(next);
  };

  const refreshMenu = (next, caret) => {
    const found = tokenAt(next, caret, mode);
    if (!found) {
      setMenu(null);
      return;
    }
    const items = matches(suggestions, found.token);
    setMenu(items.length ? { items, index: 0, start: found.start, caret } : null);
  };

  const onChange = (event) => {
    const next = event.target.value;
    setText(next);
    refreshMenu(next, event.target.selectionStart);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => send(next), SEND_DELAY_MS);
  };

  const accept = (item) => {
    if (!menu) return;
    const done = acceptSuggestion(text, menu, item.insert, mode);
    pendingCaret.current = done.caret;
    closing.current = done.closing;
    setText(done.text);
    setMenu(null);
    send(done.text);
  };

  // A "}" typed in front of the braces an accepted suggestion wrote steps over them;
  // true when it did (the key then types nothing itself).
  const stepOverClosing = (event) => {
    const field = event.target;
    if (event.key !== "}" || field.selectionStart !== field.selectionEnd) return false;
    const done = overtypeBrace(text, field.selectionStart, closing.current);
    if (done === null) return false;
    event.preventDefault();
    setMenu(null);
    if (done.text === text) {
      field.setSelectionRange(done.caret, done.caret);
    } else {
      pendingCaret.current = done.caret;
      setText(done.text);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => send(done.text), SEND_DELAY_MS);
    }
    return true;
  };

  const onMenuKey = (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const count = menu.items.length;
      setMenu({ ...menu, index: (menu.index + step + count) % count });
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      accept(menu.items[menu.index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      setMenu(null);
    }
  };

  const onKeyDown = (event) => {
    if (stepOverClosing(event)) return;
    if (menu) onMenuKey(event);
  };

  return (
    <div className="af-tf">
      <textarea
        ref={area}
        id={fieldId}
        className={`af-tf-input${invalid ? " af-tf-invalid" : ""}`}
        data-testid={testId}
        value={text}
        rows={rows}
        placeholder={placeholder}
        spellCheck={false}
        aria-invalid={invalid ? "true" : "false"}
        aria-autocomplete="list"
        onChange={onChange}
        onKeyDown={onKeyDown}
        onClick={(event) => {
          closing.current = null; // the caret was put somewhere else
          refreshMenu(text, event.target.selectionStart);
        }}
        onBlur={() => {
          send(text);
          closing.current = null;
          window.setTimeout(() => setMenu(null), 150);
        }}
      />
      {menu && (
        <ul
          ref={list}
          className="af-tf-menu"
          role="listbox"
          data-placement={place?.above ? "above" : "below"}
          data-testid={testId ? `${testId}-suggestions` : undefined}
          style={menuStyle(place)}
        >
          {menu.items.map((item, index) => (
            <li
              key={item.insert}
              role="option"
              aria-selected={index === menu.index}
              className={index === menu.index ? "af-tf-active" : ""}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(item);
              }}
            >
              <span className="af-tf-label">{item.insert}</span>
              {item.detail && <span className="af-tf-detail">{item.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      <style>{CSS}</style>
    </div>
  );
}

const CSS = `
.af-tf { position: relative; width: 100%; }
.af-tf-input { width: 100%; box-sizing: border-box; resize: vertical; min-height: 34px;
  font-family: var(--code-font-family, ui-monospace, monospace); font-size: 12px; line-height: 1.5;
  color: var(--gray-12); background: var(--color-surface, var(--gray-1)); border: 1px solid var(--gray-7);
  border-radius: var(--radius-2, 6px); padding: 6px 8px; outline: none; }
.af-tf-input:focus { border-color: var(--accent-8); box-shadow: 0 0 0 1px var(--accent-8); }
.af-tf-invalid, .af-tf-invalid:focus { border-color: var(--red-9); box-shadow: 0 0 0 1px var(--red-9); }
.af-tf-menu { position: fixed; z-index: 1000; box-sizing: border-box; min-width: 0; margin: 0; padding: 4px;
  list-style: none; max-height: 220px; overflow-y: auto; background: var(--color-panel-solid, white);
  border: 1px solid var(--gray-6); border-radius: 8px; box-shadow: 0 8px 24px var(--black-a5, rgba(0,0,0,.18)); }
.af-tf-menu li { display: flex; justify-content: space-between; gap: 8px; padding: 4px 8px; border-radius: 6px;
  cursor: pointer; font-size: 12px; }
.af-tf-menu li.af-tf-active, .af-tf-menu li:hover { background: var(--accent-4); }
.af-tf-label { font-family: var(--code-font-family, monospace); color: var(--gray-12); }
.af-tf-detail { color: var(--gray-10); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
`;
