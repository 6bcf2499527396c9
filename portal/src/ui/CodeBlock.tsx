/** Preformatted text that scrolls inside itself; focusable so a keyboard can scroll it. */
export function CodeBlock({ text, label }: { text: string; label: string }) {
  return (
    <pre className="code" tabIndex={0} role="region" aria-label={label}>
      <code>{text}</code>
    </pre>
  );
}

/** JSON pretty-printed when it parses; otherwise null. */
export function prettyJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}
