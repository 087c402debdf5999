// Progressive enhancement of the public pages: every page is complete without this script.
export {};
