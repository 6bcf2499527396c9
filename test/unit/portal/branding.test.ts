import { accentStyle } from "../../../portal/src/session/branding";

describe("the session's accent colour", () => {
  test("a dark accent gets white text and a light one black text", () => {
    expect(accentStyle({ productName: "Dark", accentColor: "#1a237e" })).toEqual({ "--accent": "#1a237e", "--on-accent": "#ffffff" });
    expect(accentStyle({ productName: "Light", accentColor: "#ffeb3b" })).toEqual({ "--accent": "#ffeb3b", "--on-accent": "#000000" });
  });

  test("anything but a well-formed #rrggbb is ignored, so no CSS can be injected", () => {
    for (const accentColor of ["red", "#fff", "#12345g", "#123456; background: url(x)", ""]) {
      expect(accentStyle({ productName: "X", accentColor })).toEqual({});
    }
    expect(accentStyle(undefined)).toEqual({});
  });
});
