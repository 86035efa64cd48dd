/** Risk parameters derived from daily price history (`npm run risk:params`), and the typed
 *  loader of the file they are written to (deploy/config/risk-params.json). */
export * from "./loader";
export * from "./build";
export * from "./derive";
export * from "./stats";
export * from "./series";
export * from "./inputs";
export * from "./anchors";
export * from "./table";
