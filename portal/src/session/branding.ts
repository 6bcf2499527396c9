import type { PortalSession } from "../api/types";

const HEX = /^#[0-9a-fA-F]{6}$/;

function luminance(hex: string): number {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/**
 * CSS custom properties for the session's accent colour: only a well-formed `#rrggbb` is
 * used, with black or white text on it, whichever reads better.
 */
export function accentStyle(branding: PortalSession["branding"] | undefined): Record<string, string> {
  const accent = branding?.accentColor;
  if (!accent || !HEX.test(accent)) return {};
  const l = luminance(accent);
  const onAccent = contrast(l, 1) >= contrast(l, 0) ? "#ffffff" : "#000000";
  return { "--accent": accent, "--on-accent": onAccent };
}
