import type { NOTICE_KIND } from "./notice-text";

type Tone = (typeof NOTICE_KIND)[keyof typeof NOTICE_KIND]["tone"];

/** 16-unit outlines drawn in the badge's own colour; SVG, so no font has to have the glyph. */
const PATHS: Record<Tone, string> = {
  // A circle struck through: stopped.
  disabled: "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M3.4 12.6L12.6 3.4",
  // A warning triangle with its mark.
  failing: "M8 1.8L15 14.2H1zM8 6.2v4M8 11.9v.4",
  // A tick.
  recovered: "M2.5 8.5l3.5 3.5l7.5-8",
  // A circle with a cross: ended without success.
  exhausted: "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M5.2 5.2l5.6 5.6M10.8 5.2l-5.6 5.6",
};

/** The mark beside a notice's type; decorative (the word next to it says the same). */
export function NoticeIcon({ tone }: { tone: Tone }) {
  return (
    <svg className="notice-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d={PATHS[tone]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
