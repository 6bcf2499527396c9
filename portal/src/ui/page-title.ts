import { useEffect } from "react";

/** The tab's title names the page first, for screen readers and history. */
export function usePageTitle(title: string, product: string) {
  useEffect(() => {
    document.title = title === product ? title : `${title} · ${product}`;
  }, [title, product]);
}
